/** A team's members and their roles: its admins (and server admins) change them. */
import { useEffect } from "preact/hooks";
import { accountsApi } from "../../api/accounts";
import { useSession } from "../../api/session";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAsync } from "../../lib/useAsync";
import { MembersTable } from "./MembersTable";

export function TeamPage({ team }: { team: string }) {
  const session = useSession();
  const found = useAsync((s) => accountsApi.team(team, s), [team]);
  useEffect(() => {
    document.title = `${team} · Team · cairn`;
  }, [team]);
  const me = session?.mode === "team" ? session.me : null;
  const myRole = me?.teams[team];
  const editable = !!me && (me.admin || myRole === "admin");
  return (
    <main class="page page-narrow" id="main">
      <div class="page-head">
        <h1>
          Team <span class="strong">{team}</span>
        </h1>
        {myRole && <span class="tag">you: {myRole}</span>}
      </div>
      <p class="muted">
        A team is an entity its members share: admins administer every project of it, members write its projects and
        viewers read them (private projects excepted).
      </p>
      {found.error !== undefined && <ErrorBanner error={found.error} onRetry={found.reload} />}
      {found.data && (
        <MembersTable
          label={`Members of ${team}`}
          members={found.data.members}
          editable={editable}
          onChange={(user, role) => accountsApi.setTeamMember(team, user, role).then((t) => found.setData(() => t))}
        />
      )}
      {found.loading && !found.data && <div class="loading-block" aria-label="loading" />}
    </main>
  );
}
