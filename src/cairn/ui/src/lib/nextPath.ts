/** The `next` of the login page: where to go back to after logging in. */

/** The login page's address that comes back to `next` afterwards. */
export function loginPathFor(next: string): string {
  return next === "/" || next === "/login" || next.startsWith("/login?") ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}

/** `next` when it is a path of this app, else "/": never another site (`//evil.example`,
 * `/\evil.example` and `https://…` all lead off the origin). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
