/** Client-side routing and the view state in the query string: a link reproduces a view.
 *
 * Pages: `/`, `/{entity}/{project}`, `/{entity}/{project}/runs/{id}`,
 * `/{entity}/{project}/compare?runs=a,b`, `/{entity}/{project}/alerts`,
 * `/{entity}/{project}/sweeps`, `/{entity}/{project}/sweeps/{id}`, `/{entity}/{project}/reports`,
 * `/{entity}/{project}/reports/{id}`, and on the team server `/login`,
 * `/{entity}/{project}/settings`, `/-/account`, `/-/users`, `/-/keys`, `/-/teams/{team}` (no entity name
 * starts with "-"). The server answers index.html for all of them. */
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "projects" }
  | { page: "workspace"; entity: string; project: string }
  | { page: "run"; entity: string; project: string; id: string }
  | { page: "compare"; entity: string; project: string }
  | { page: "alerts"; entity: string; project: string }
  | { page: "artifacts"; entity: string; project: string; name?: string; version?: string }
  | { page: "sweeps"; entity: string; project: string }
  | { page: "sweep"; entity: string; project: string; id: string }
  | { page: "reports"; entity: string; project: string }
  | { page: "report"; entity: string; project: string; id: string }
  | { page: "project-settings"; entity: string; project: string }
  | { page: "login" }
  | { page: "keys" }
  | { page: "account" }
  | { page: "users" }
  | { page: "team"; team: string }
  | { page: "not-found"; path: string };

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decode);
  if (parts.length === 0) return { page: "projects" };
  const [entity, project, kind, id] = parts as [string, string?, string?, string?];
  if (parts.length === 1 && entity === "login") return { page: "login" };
  if (entity === "-") {
    if (parts.length === 2 && project === "keys") return { page: "keys" };
    if (parts.length === 2 && project === "account") return { page: "account" };
    if (parts.length === 2 && project === "users") return { page: "users" };
    if (parts.length === 3 && project === "teams" && kind) return { page: "team", team: kind };
    return { page: "not-found", path: pathname };
  }
  if (project === undefined) return { page: "not-found", path: pathname };
  if (parts.length === 2) return { page: "workspace", entity, project };
  if (parts.length === 3 && kind === "compare") return { page: "compare", entity, project };
  if (parts.length === 3 && kind === "alerts") return { page: "alerts", entity, project };
  if (parts.length === 3 && kind === "settings") return { page: "project-settings", entity, project };
  if (parts.length === 4 && kind === "runs" && id) return { page: "run", entity, project, id };
  if (parts.length === 3 && kind === "sweeps") return { page: "sweeps", entity, project };
  if (parts.length === 4 && kind === "sweeps" && id) return { page: "sweep", entity, project, id };
  if (parts.length === 3 && kind === "reports") return { page: "reports", entity, project };
  if (parts.length === 4 && kind === "reports" && id) return { page: "report", entity, project, id };
  if (kind === "artifacts" && parts.length <= 5) return { page: "artifacts", entity, project, name: parts[3], version: parts[4] };
  return { page: "not-found", path: pathname };
}

const seg = encodeURIComponent;

export const paths = {
  projects: () => "/",
  workspace: (entity: string, project: string) => `/${seg(entity)}/${seg(project)}`,
  run: (entity: string, project: string, id: string) => `/${seg(entity)}/${seg(project)}/runs/${seg(id)}`,
  alerts: (entity: string, project: string) => `/${seg(entity)}/${seg(project)}/alerts`,
  projectSettings: (entity: string, project: string) => `/${seg(entity)}/${seg(project)}/settings`,
  keys: () => "/-/keys",
  account: () => "/-/account",
  users: () => "/-/users",
  team: (team: string) => `/-/teams/${seg(team)}`,
  sweeps: (entity: string, project: string) => `/${seg(entity)}/${seg(project)}/sweeps`,
  sweep: (entity: string, project: string, id: string) => `/${seg(entity)}/${seg(project)}/sweeps/${seg(id)}`,
  reports: (entity: string, project: string) => `/${seg(entity)}/${seg(project)}/reports`,
  report: (entity: string, project: string, id: number | string) =>
    `/${seg(entity)}/${seg(project)}/reports/${seg(String(id))}`,
  artifacts: (entity: string, project: string, name?: string, version?: string) =>
    `/${seg(entity)}/${seg(project)}/artifacts${name ? `/${seg(name)}` : ""}${name && version ? `/${seg(version)}` : ""}`,
  compare: (entity: string, project: string, ids: readonly string[]) =>
    `/${seg(entity)}/${seg(project)}/compare?runs=${ids.map(seg).join(",")}`,
};

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const l of [...listeners]) l();
}

window.addEventListener("popstate", notify);

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  notify();
  if (!replace) window.scrollTo(0, 0);
}

/** Re-render on every change of the URL (path or query). */
export function useLocation(): { pathname: string; search: string } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return { pathname: location.pathname, search: location.search };
}

/** The current query string as read-only parameters. */
export function useQuery(): URLSearchParams {
  const { search } = useLocation();
  return new URLSearchParams(search);
}

/** Change some query parameters (null or "" removes one) without adding a history entry:
 * view state is shareable, but the back button should leave the page, not undo a slider. */
export function setQuery(changes: Record<string, string | null | undefined>, push = false): void {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === "") params.delete(k);
    else params.set(k, v);
  }
  const s = params.toString().replace(/%2C/g, ",").replace(/%2F/g, "/");
  const url = `${location.pathname}${s ? `?${s}` : ""}${location.hash}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  notify();
}

/** A list parameter (`a,b,c`). */
export function listParam(params: URLSearchParams, name: string): string[] {
  const v = params.get(name);
  return v ? v.split(",").filter(Boolean) : [];
}

/** Follow a link inside the app without reloading; let modified clicks open new tabs. */
export function onLinkClick(e: MouseEvent, href: string): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(href);
}
