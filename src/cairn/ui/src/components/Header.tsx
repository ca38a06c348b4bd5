/** The top bar: home, where you are, the user menu (team server) and the theme toggle. */
import type { Session } from "../api/session";
import type { Theme } from "../theme";
import { Icon } from "./Icon";
import { Link } from "./Link";
import { UserMenu } from "./UserMenu";
import { paths, type Route } from "../router";

interface Props {
  route: Route;
  theme: Theme;
  onTheme: (t: Theme) => void;
  session: Session | undefined;
}

export function Header({ route, theme, onTheme, session }: Props) {
  const project = "entity" in route ? route : null;
  return (
    <header class="topbar">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Link href={paths.projects()} class="brand" aria-label="cairn: all projects">
        <svg width="18" height="18" viewBox="0 0 16 16" aria-hidden="true">
          <ellipse cx="8" cy="13" rx="6.5" ry="2.2" fill="currentColor" opacity="0.9" />
          <ellipse cx="8" cy="8.6" rx="4.6" ry="1.9" fill="currentColor" opacity="0.75" />
          <ellipse cx="8" cy="4.8" rx="3" ry="1.6" fill="currentColor" opacity="0.6" />
        </svg>
        cairn
      </Link>
      {project && (
        <nav class="topbar-crumbs" aria-label="Project">
          <span class="muted">{project.entity}</span>
          <span class="muted" aria-hidden="true">/</span>
          <Link href={paths.workspace(project.entity, project.project)} class="strong">
            {project.project}
          </Link>
          <span class="muted" aria-hidden="true">·</span>
          <Link href={paths.artifacts(project.entity, project.project)}>
            Artifacts
          </Link>
          <span class="muted" aria-hidden="true">·</span>
          <Link href={paths.alerts(project.entity, project.project)}>Alerts</Link>
          <span class="muted" aria-hidden="true">·</span>
          <Link href={paths.sweeps(project.entity, project.project)}>Sweeps</Link>
          <span class="muted" aria-hidden="true">·</span>
          <Link href={paths.reports(project.entity, project.project)}>Reports</Link>
          {session?.mode === "team" && (
            <>
              <span class="muted" aria-hidden="true">·</span>
              <Link href={paths.projectSettings(project.entity, project.project)}>Settings</Link>
            </>
          )}
        </nav>
      )}
      <span class="spacer" />
      <UserMenu session={session} />
      <button
        type="button"
        class="icon-btn theme-toggle"
        aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
        title={theme === "dark" ? "Light theme" : "Dark theme"}
        onClick={() => onTheme(theme === "dark" ? "light" : "dark")}
      >
        <Icon name={theme === "dark" ? "sun" : "moon"} size={16} />
      </button>
    </header>
  );
}
