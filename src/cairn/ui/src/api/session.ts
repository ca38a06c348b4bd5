/** Who is using the app, and where it is served from. `GET /api/v1/me` tells: on the
 * team server 200 `{"mode": "team", user, ...}` with someone signed in and 401 without; on
 * the local `cairn ui`, which has no accounts (nothing about signing in is shown there),
 * 200 `{"mode": "local"}` (older servers answered 404 there, which is still read so). */
import { useEffect, useState } from "preact/hooks";
import { loginPathFor } from "../lib/nextPath";
import { navigate } from "../router";
import { ApiError, request, send } from "./client";
import { setCsrfSource, setUnauthorizedHandler } from "./http";

export type Role = "admin" | "member" | "viewer";

export interface Me {
  mode?: "team";
  user: string;
  admin: boolean;
  entity: string;
  /** team name -> the user's role in it */
  teams: Record<string, Role>;
  auth?: "key" | "session";
  csrf_token?: string | null;
}

export type Session = { mode: "local" } | { mode: "team"; me: Me | null };

let current: Promise<Session> | null = null;
let known: Session | undefined;
const listeners = new Set<(s: Session) => void>();

async function fetchSession(): Promise<Session> {
  try {
    const answer = await request<Me | { mode: "local" }>("/me");
    if ("mode" in answer && answer.mode === "local") return { mode: "local" };
    return { mode: "team", me: answer as Me };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return { mode: "team", me: null };
    if (err instanceof ApiError && err.status === 404) return { mode: "local" };
    current = null; // the server did not answer: ask again next time
    throw err;
  }
}

/** The session, asked once (and again after a failure to reach the server). */
export function loadSession(): Promise<Session> {
  if (!current) {
    current = fetchSession().then((s) => {
      setSession(s);
      return s;
    });
  }
  return current;
}

/** Ask the server again (after a change of what GET /me says: a new team, a role). */
export function reloadSession(): Promise<Session> {
  current = null;
  return loadSession();
}

export function setSession(s: Session): void {
  current = Promise.resolve(s);
  known = s;
  for (const l of [...listeners]) l(s);
}

/** The session once known (undefined while GET /me is in flight). */
export function useSession(): Session | undefined {
  const [s, set] = useState<Session | undefined>(known);
  useEffect(() => {
    listeners.add(set);
    if (known) set(known);
    else loadSession().catch(() => {});
    return () => {
      listeners.delete(set);
    };
  }, []);
  return s;
}

/** The login page's address that comes back here afterwards. */
export function loginPath(): string {
  return loginPathFor(`${location.pathname}${location.search}`);
}

/** The session if already known (for components that only word things differently). */
export function knownSession(): Session | undefined {
  return known;
}

export async function login(username: string, password: string): Promise<Me> {
  const me = await send<Me>("POST", "/login", { username, password });
  setSession({ mode: "team", me });
  return me;
}

export async function logout(): Promise<void> {
  await send<void>("POST", "/logout", {});
  setSession({ mode: "team", me: null });
  navigate("/login");
}

setCsrfSource(() =>
  loadSession().then(
    (s) => (s.mode === "team" ? (s.me?.csrf_token ?? null) : null),
    () => null,
  ),
);

setUnauthorizedHandler(() => {
  if (known?.mode === "team" && known.me) setSession({ mode: "team", me: null });
  if (location.pathname !== "/login") navigate(loginPath(), true);
});
