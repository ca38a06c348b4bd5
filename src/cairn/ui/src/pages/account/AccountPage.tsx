/** One's account on the team server: change one's password, see one's teams and make a
 * new one (its members are then on the team's page). */
import { useEffect, useState } from "preact/hooks";
import { accountsApi, MIN_PASSWORD } from "../../api/accounts";
import { ApiError } from "../../api/client";
import { login, reloadSession, useSession, type Me } from "../../api/session";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { useAsync } from "../../lib/useAsync";
import { navigate, paths } from "../../router";

export function AccountPage() {
  const session = useSession();
  useEffect(() => {
    document.title = "Account · cairn";
  }, []);
  const me = session?.mode === "team" ? session.me : null;
  if (!me) return <main class="page page-narrow" id="main" />;
  return (
    <main class="page page-narrow" id="main">
      <div class="page-head">
        <h1>
          Account <span class="strong">{me.user}</span>
        </h1>
        {me.admin && <span class="tag">server admin</span>}
      </div>
      <PasswordForm me={me} />
      <Teams />
    </main>
  );
}

/** What a refusal of the password change means, in words. */
function passwordError(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) return "The current password is wrong.";
  if (err instanceof ApiError && err.status === 429) return "Too many wrong passwords: try again in a minute.";
  return err instanceof Error ? err.message : String(err);
}

function PasswordForm({ me }: { me: Me }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(false);
    if (next.length < MIN_PASSWORD) return setError(`The new password needs at least ${MIN_PASSWORD} characters.`);
    if (next !== again) return setError("The two new passwords differ.");
    setBusy(true);
    setError(null);
    try {
      await accountsApi.changePassword(current, next);
      // The server ended every login session of this user, this one too: start a new one.
      await login(me.user, next);
      setDone(true);
      setCurrent("");
      setNext("");
      setAgain("");
    } catch (err) {
      setError(passwordError(err));
      setCurrent("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="account-section" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form class="account-form" onSubmit={submit}>
        {/* for the browser's password manager: whose password this is */}
        <input type="text" name="username" autocomplete="username" value={me.user} hidden readOnly />
        {error && (
          <div class="banner banner-error" role="alert">
            <span class="banner-message">{error}</span>
          </div>
        )}
        {done && (
          <div class="banner banner-info" role="status">
            <span class="banner-message">Password changed. Your other login sessions were ended.</span>
          </div>
        )}
        <label class="field">
          <span>Current password</span>
          <input
            class="input"
            type="password"
            autocomplete="current-password"
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>New password</span>
          <input
            class="input"
            type="password"
            autocomplete="new-password"
            required
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>New password again</span>
          <input
            class="input"
            type="password"
            autocomplete="new-password"
            required
            value={again}
            onInput={(e) => setAgain(e.currentTarget.value)}
          />
        </label>
        <p class="muted small">At least {MIN_PASSWORD} characters. Changing it logs you out everywhere else.</p>
        <div>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </section>
  );
}

function Teams() {
  const teams = useAsync((s) => accountsApi.teams(s), []);
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const made = await accountsApi.createTeam(name.trim());
      await reloadSession(); // the new team, in the user menu and on its page
      navigate(paths.team(made.name));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="account-section" aria-labelledby="teams-title">
      <h2 id="teams-title">Teams</h2>
      <p class="muted">
        A team is an entity its members share. Whoever makes one is its first admin, and adds the others on its page.
      </p>
      {teams.error !== undefined && <ErrorBanner error={teams.error} onRetry={teams.reload} />}
      {teams.data && teams.data.length === 0 && <p class="muted">You are in no team yet.</p>}
      {teams.data && teams.data.length > 0 && (
        <table class="table" aria-label="Your teams">
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Your role</th>
            </tr>
          </thead>
          <tbody>
            {teams.data.map((t) => (
              <tr key={t.name} data-team={t.name}>
                <td>
                  <Link href={paths.team(t.name)}>{t.name}</Link>
                </td>
                <td>{t.role ?? <span class="muted">— (server admin)</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="member-add" onSubmit={create}>
        <input
          class="input"
          name="team"
          placeholder="Name of the new team"
          aria-label="Name of the new team"
          maxLength={64}
          required
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Create team
        </button>
      </form>
      {error !== undefined && <ErrorBanner error={error} />}
    </section>
  );
}
