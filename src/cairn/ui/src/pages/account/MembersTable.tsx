/** Members and their roles (a team's, or a project's own): admins add, remove and change
 * them; everyone else reads them. */
import { useState } from "preact/hooks";
import type { Role } from "../../api/session";
import { ErrorBanner } from "../../components/ErrorBanner";

const ROLES: Role[] = ["admin", "member", "viewer"];

interface Props {
  members: Record<string, Role>;
  editable: boolean;
  /** Set a user's role (null removes them); resolves with the new member list. */
  onChange: (user: string, role: Role | null) => Promise<unknown>;
  label: string;
}

export function MembersTable({ members, editable, onChange, label }: Props) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [user, setUser] = useState("");
  const [role, setRole] = useState<Role>("member");
  const change = async (name: string, to: Role | null) => {
    setBusy(true);
    setError(undefined);
    try {
      await onChange(name, to);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (e: Event) => {
    e.preventDefault();
    if (await change(user.trim(), role)) setUser("");
  };
  const names = Object.keys(members).sort();
  return (
    <div class="members">
      {error !== undefined && <ErrorBanner error={error} />}
      {names.length === 0 ? (
        <p class="muted">No members.</p>
      ) : (
        <table class="table members-table" aria-label={label}>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              {editable && (
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {names.map((name) => (
              <tr key={name} data-member={name}>
                <td class="strong">{name}</td>
                <td>
                  {editable ? (
                    <select
                      class="input"
                      aria-label={`Role of ${name}`}
                      value={members[name]}
                      disabled={busy}
                      onChange={(e) => void change(name, e.currentTarget.value as Role)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span class="tag">{members[name]}</span>
                  )}
                </td>
                {editable && (
                  <td class="cell-actions">
                    <button type="button" class="btn btn-small" disabled={busy} onClick={() => void change(name, null)}>
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editable && (
        <form class="toolbar member-add" onSubmit={add}>
          <input
            class="input"
            name="user"
            placeholder="User name"
            aria-label="User to add"
            required
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
          <select class="input" aria-label="Role of the new member" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            Add member
          </button>
        </form>
      )}
      {!editable && <p class="muted small">Only admins change the members.</p>}
    </div>
  );
}
