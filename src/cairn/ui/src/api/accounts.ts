/** The team server's account routes (docs/api.md, "The team server"): API keys, teams and
 * their members, a project's visibility and members. */
import { request, send } from "./client";
import type { Role } from "./session";

export interface ApiKey {
  prefix: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface UserInfo {
  name: string;
  admin: boolean;
  created_at: number;
  disabled_at: number | null;
  /** unrevoked API keys */
  keys: number;
}

export type Visibility = "private" | "team" | "public";

export interface Team {
  name: string;
  members: Record<string, Role>;
}

export interface ProjectSettings {
  entity: string;
  project: string;
  visibility: Visibility;
  owner: string | null;
  members: Record<string, Role>;
}

/** The server's shortest password (store/accounts.py MIN_PASSWORD). */
export const MIN_PASSWORD = 8;

const seg = encodeURIComponent;
const projectPath = (e: string, p: string) => `/projects/${seg(e)}/${seg(p)}`;

export const accountsApi = {
  keys: (signal?: AbortSignal) => request<{ keys: ApiKey[] }>("/me/keys", { signal }).then((r) => r.keys),
  createKey: (label: string) => send<{ key: string; prefix: string; label: string }>("POST", "/me/keys", { label }),
  revokeKey: (prefix: string) => send<ApiKey>("DELETE", `/me/keys/${seg(prefix)}`),

  /** Set one's password; the server ends every login session of the user (this one too). */
  changePassword: (current: string, password: string) => send<void>("POST", "/me/password", { current, password }),

  /** Server admins: the users, and making one (its first key is in the answer, once). */
  users: (signal?: AbortSignal) => request<{ users: UserInfo[] }>("/users", { signal }).then((r) => r.users),
  createUser: (name: string, admin: boolean, password: string | null) =>
    send<{ name: string; admin: boolean; key: string }>("POST", "/users", {
      name,
      admin,
      ...(password ? { password } : {}),
    }),

  teams: (signal?: AbortSignal) =>
    request<{ teams: { name: string; role: Role | null }[] }>("/teams", { signal }).then((r) => r.teams),
  createTeam: (name: string) => send<Team>("POST", "/teams", { name }),
  team: (team: string, signal?: AbortSignal) => request<Team>(`/teams/${seg(team)}`, { signal }),
  setTeamMember: (team: string, user: string, role: Role | null) =>
    role
      ? send<Team>("PUT", `/teams/${seg(team)}/members/${seg(user)}`, { role })
      : send<Team>("DELETE", `/teams/${seg(team)}/members/${seg(user)}`),

  projectSettings: (e: string, p: string, signal?: AbortSignal) =>
    request<ProjectSettings>(`${projectPath(e, p)}/settings`, { signal }),
  setVisibility: (e: string, p: string, visibility: Visibility) =>
    send<ProjectSettings>("PATCH", `${projectPath(e, p)}/settings`, { visibility }),
  setProjectMember: (e: string, p: string, user: string, role: Role | null) =>
    role
      ? send<ProjectSettings>("PUT", `${projectPath(e, p)}/members/${seg(user)}`, { role })
      : send<ProjectSettings>("DELETE", `${projectPath(e, p)}/members/${seg(user)}`),
};
