/** The one door of the app's requests to /api/v1. It marks each request as the app's (the
 * team server then answers a 401 without a challenge, so the browser opens no login box of
 * its own over the app's login page), sends the login session's CSRF token with every
 * mutating request, and sends the user to the login page when a call answers 401. On the
 * local `cairn ui` there is no session: no token, and no 401 ever comes. */

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
export const APP_HEADER = "X-Requested-With";

let csrfSource: () => Promise<string | null> = () => Promise.resolve(null);
let onUnauthorized: () => void = () => {};

/** Where the CSRF token comes from (the session, once GET /me has answered). */
export function setCsrfSource(source: () => Promise<string | null>): void {
  csrfSource = source;
}

/** What a 401 does (session.ts: go to the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** The headers a request of the app sends (for callers that cannot use apiFetch: the
 * envelope worker). */
export async function appHeaders(method: string, extra?: HeadersInit): Promise<Headers> {
  const headers = new Headers(extra);
  headers.set(APP_HEADER, "cairn");
  if (MUTATING.has(method.toUpperCase())) {
    const token = await csrfSource();
    if (token) headers.set("X-CSRF-Token", token);
  }
  return headers;
}

/** A 401 seen by a caller that fetched on its own (the worker). */
export function unauthorized(): void {
  onUnauthorized();
}

export async function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = await appHeaders(init.method ?? "GET", init.headers);
  const response = await fetch(url, { ...init, headers, credentials: "same-origin" });
  if (response.status === 401) onUnauthorized();
  return response;
}
