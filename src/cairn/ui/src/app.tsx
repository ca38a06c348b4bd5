/** The app: the top bar and the page the URL names. */
import { useSession } from "./api/session";
import { Header } from "./components/Header";
import { lazyPage } from "./components/Lazy";
import { Link } from "./components/Link";
import { ShortcutsDialog } from "./components/ShortcutsDialog";
import { useShortcuts } from "./lib/shortcuts";
import { LoginPage } from "./pages/account/LoginPage";
import { ProjectsPage } from "./pages/projects/ProjectsPage";
import { WorkspacePage } from "./pages/workspace/WorkspacePage";
import { parseRoute, useLocation } from "./router";
import { useTheme } from "./theme";
import { useState } from "preact/hooks";

// The workspace is what people open most and judge by: it is in the main bundle. The run
// and compare pages load as their own chunks.
const RunPage = lazyPage(() => import("./pages/run/RunPage").then((m) => m.RunPage));
const ArtifactsPage = lazyPage(() => import("./pages/artifacts/ArtifactsPage").then((m) => m.ArtifactsPage));
const ComparePage = lazyPage(() => import("./pages/compare/ComparePage").then((m) => m.ComparePage));
const SweepsPage = lazyPage(() => import("./pages/sweeps/SweepsPage").then((m) => m.SweepsPage));
const SweepPage = lazyPage(() => import("./pages/sweeps/SweepPage").then((m) => m.SweepPage));
const ReportsPage = lazyPage(() => import("./pages/reports/ReportsPage").then((m) => m.ReportsPage));
const ReportPage = lazyPage(() => import("./pages/reports/ReportPage").then((m) => m.ReportPage));
const AlertsPage = lazyPage(() => import("./pages/alerts/AlertsPage").then((m) => m.AlertsPage));
const KeysPage = lazyPage(() => import("./pages/account/KeysPage").then((m) => m.KeysPage));
const AccountPage = lazyPage(() => import("./pages/account/AccountPage").then((m) => m.AccountPage));
const UsersPage = lazyPage(() => import("./pages/account/UsersPage").then((m) => m.UsersPage));
const TeamPage = lazyPage(() => import("./pages/account/TeamPage").then((m) => m.TeamPage));
const ProjectSettingsPage = lazyPage(() =>
  import("./pages/account/ProjectSettingsPage").then((m) => m.ProjectSettingsPage),
);

export function App() {
  const { pathname } = useLocation();
  const route = parseRoute(pathname);
  const [theme, setTheme] = useTheme();
  const [help, setHelp] = useState(false);
  useShortcuts(route, () => setHelp((h) => !h));
  const session = useSession();
  const accountPage = route.page === "keys" || route.page === "account" || route.page === "users" || route.page === "team" || route.page === "project-settings";
  return (
    <>
      <Header route={route} theme={theme} onTheme={setTheme} session={session} />
      {route.page === "login" && <LoginPage />}
      {accountPage && session?.mode === "local" && (
        <main class="page page-narrow" id="main">
          <div class="banner banner-info" role="status">
            <span class="banner-message">
              This <code>cairn ui</code> shows a local folder: it has no accounts, teams or API keys. They live on a
              team server (<code>cairn server</code>).
            </span>
          </div>
          <Link href="/">All projects</Link>
        </main>
      )}
      {session?.mode === "team" && route.page === "keys" && <KeysPage />}
      {session?.mode === "team" && route.page === "account" && <AccountPage />}
      {session?.mode === "team" && route.page === "users" && <UsersPage />}
      {session?.mode === "team" && route.page === "team" && <TeamPage key={route.team} team={route.team} />}
      {session?.mode === "team" && route.page === "project-settings" && (
        <ProjectSettingsPage key={`${route.entity}/${route.project}`} entity={route.entity} project={route.project} />
      )}
      {route.page === "projects" && <ProjectsPage />}
      {route.page === "workspace" && (
        <WorkspacePage key={`${route.entity}/${route.project}`} entity={route.entity} project={route.project} theme={theme} />
      )}
      {route.page === "run" && (
        <RunPage key={route.id} entity={route.entity} project={route.project} id={route.id} theme={theme} />
      )}
      {route.page === "compare" && <ComparePage entity={route.entity} project={route.project} />}
      {route.page === "alerts" && <AlertsPage entity={route.entity} project={route.project} />}
      {route.page === "artifacts" && <ArtifactsPage {...route} theme={theme} />}
      {route.page === "sweeps" && <SweepsPage entity={route.entity} project={route.project} />}
      {route.page === "sweep" && (
        <SweepPage key={route.id} entity={route.entity} project={route.project} id={route.id} />
      )}
      {route.page === "reports" && <ReportsPage entity={route.entity} project={route.project} />}
      {route.page === "report" && (
        <ReportPage key={route.id} entity={route.entity} project={route.project} id={route.id} theme={theme} />
      )}
      {route.page === "not-found" && (
        <main class="page page-narrow" id="main">
          <div class="banner banner-error" role="alert">
            <div>
              <strong>404 not found</strong>
              <span class="banner-message">No page at {route.path}.</span>
            </div>
          </div>
          <Link href="/">All projects</Link>
        </main>
      )}
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
    </>
  );
}
