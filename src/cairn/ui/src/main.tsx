import { render } from "preact";
import { App } from "./app";
import "./styles/base.css";
import "./styles/workspace.css";
import "./styles/pages.css";
import "./styles/media.css";
import "./styles/account.css";
import { resolveTheme } from "./theme";

// Set the theme before the first paint (no flash of the wrong theme).
document.documentElement.dataset.theme = resolveTheme(new URLSearchParams(location.search).get("theme"));

render(<App />, document.getElementById("app")!);
