/** The app: the top bar and the page the URL names. */
import { Header } from "./components/Header";
import { lazyPage } from "./components/Lazy";
import { Link } from "./components/Link";
import { ShortcutsDialog } from "./components/ShortcutsDialog";
import { useShortcuts } from "./lib/shortcuts";
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
const AlertsPage = lazyPage(() => import("./pages/alerts/AlertsPage").then((m) => m.AlertsPage));

export function App() {
  const { pathname } = useLocation();
  const route = parseRoute(pathname);
  const [theme, setTheme] = useTheme();
  const [help, setHelp] = useState(false);
  useShortcuts(route, () => setHelp((h) => !h));
  return (
    <>
      <Header route={route} theme={theme} onTheme={setTheme} />
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
