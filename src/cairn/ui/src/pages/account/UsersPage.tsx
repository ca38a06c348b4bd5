/** The server's users, for server admins: who there is, and making a new user (with a
 * password, or none: they sign in with the key shown once until they are given one). */
import { useEffect, useState } from "preact/hooks";
import { accountsApi, MIN_PASSWORD } from "../../api/accounts";
import { useSession } from "../../api/session";
import { ErrorBanner } from "../../components/ErrorBanner";
import { formatAgo, formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { NewKey } from "./KeysPage";

export function UsersPage() {
  const session = useSession();
  const me = session?.mode === "team" ? session.me : null;
  const users = useAsync((s) => accountsApi.users(s), []);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const [made, setMade] = useState<{ key: string; label: string } | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = "Users · cairn";
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (password && password.length < MIN_PASSWORD) {
      setError(new Error(`A password needs at least ${MIN_PASSWORD} characters (or none).`));
      return;
    }
    setBusy(true);
    try {
      const user = await accountsApi.createUser(name.trim(), admin, password || null);
      setMade({ key: user.key, label: `${user.name}’s first key` });
      setName("");
      setPassword("");
      setAdmin(false);
      users.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page page-narrow" id="main">
      <div class="page-head">
        <h1>Users</h1>
      </div>
      {me && !me.admin && (
        <div class="banner banner-info" role="status">
          <span class="banner-message">Only server admins see and make users.</span>
        </div>
      )}
      <form class="member-add user-create" onSubmit={create} aria-label="New user">
        <input
          class="input"
          name="new-user"
          placeholder="User name"
          aria-label="Name of the new user"
          maxLength={64}
          required
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <input
          class="input"
          type="password"
          name="new-user-password"
          autocomplete="new-password"
          placeholder="Password (optional)"
          aria-label="Password of the new user"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <label class="check">
          <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} /> server admin
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Create user
        </button>
      </form>
      {error !== undefined && <ErrorBanner error={error} />}
      {made && <NewKey {...made} onDone={() => setMade(null)} />}
      {users.error !== undefined && <ErrorBanner error={users.error} onRetry={users.reload} />}
      {users.data && (
        <table class="table" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Made</th>
              <th scope="col">API keys</th>
              <th scope="col">
                <span class="sr-only">Status</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.name} data-user={u.name} class={u.disabled_at !== null ? "muted" : ""}>
                <td>
                  <span class="strong">{u.name}</span> {u.admin && <span class="tag">server admin</span>}
                </td>
                <td title={formatTime(u.created_at)}>{formatAgo(u.created_at)}</td>
                <td>{u.keys}</td>
                <td>{u.disabled_at !== null && <span>disabled {formatAgo(u.disabled_at)}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {users.loading && !users.data && <div class="loading-block" aria-label="loading" />}
    </main>
  );
}
