/** What a field panel's body is given by the panel grid. */
import type { ComponentChildren } from "preact";
import type { LineSettings } from "../layout";
import type { PanelRuns } from "./context";
import type { PanelOptions } from "./options";

export interface PanelBodyProps {
  ctx: PanelRuns;
  settings: LineSettings;
  height: number;
  frame: { title: string; menu?: ComponentChildren };
  /** Save changed options in the layout (absent: read-only). */
  onOptions?: (options: PanelOptions) => void;
}
