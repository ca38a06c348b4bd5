/** The signed-in user's menu on the team server: who they are, their teams, their API
 * keys, log out. Nothing on the local `cairn ui` (it has no accounts). */
import { useState } from "preact/hooks";
import { loginPath, logout, type Session } from "../api/session";
import { paths } from "../router";
import { ErrorBanner } from "./ErrorBanner";
import { Link } from "./Link";
import { Popover } from "./Popover";

export function UserMenu({ session }: { session: Session | undefined }) {
  const [error, setError] = useState<unknown>(undefined);
  if (!session || session.mode === "local") return null;
  const me = session.me;
  if (!me) {
    return location.pathname === "/login" ? null : (
      <Link href={loginPath()} class="btn">
        Log in
      </Link>
    );
  }
  const teams = Object.entries(me.teams).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Popover class="user-menu" align="right" ariaLabel={`Account of ${me.user}`} label={<span class="strong">{me.user}</span>}>
      {(close) => (
        <nav class="user-menu-panel" aria-label="Account">
          <div class="menu-head">
            Signed in as <span class="strong">{me.user}</span>
            {me.admin && <span class="tag">server admin</span>}
          </div>
          {teams.length > 0 && <div class="menu-label">Teams</div>}
          {teams.map(([team, role]) => (
            <span key={team} onClick={close}>
              <Link href={paths.team(team)}>
                {team}
                <span class="muted small">{role}</span>
              </Link>
            </span>
          ))}
          <hr />
          <span onClick={close}>
            <Link href={paths.account()}>Password and teams</Link>
          </span>
          <span onClick={close}>
            <Link href={paths.keys()}>API keys</Link>
          </span>
          {me.admin && (
            <span onClick={close}>
              <Link href={paths.users()}>Users</Link>
            </span>
          )}
          <button
            type="button"
            class="menu-item"
            onClick={() => {
              setError(undefined);
              logout().then(close, setError);
            }}
          >
            Log out
          </button>
          {error !== undefined && <ErrorBanner error={error} />}
        </nav>
      )}
    </Popover>
  );
}
