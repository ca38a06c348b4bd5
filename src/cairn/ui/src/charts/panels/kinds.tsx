/** The panel types of charts/panels/ as the panel grid knows them before their code is
 * loaded: their names, the "+ Media" menu, and the runs a panel shows. The panels and their
 * settings dialog load as their own chunk the first time one is shown. */
import { Popover } from "../../components/Popover";
import { lazyView } from "../../media/lazyView";
import type { MediaRun } from "../../media/MediaPanels";
import type { LineSettings, PanelType } from "../layout";
import type { LineSpec } from "../lines";

export const KIND_TYPES: readonly PanelType[] = ["media", "histogram", "vega"];
export const KIND_NAMES: Record<string, string> = { media: "Media", histogram: "Histogram over steps", vega: "Vega chart" };
/** Runs a media panel shows side by side unless its settings say otherwise. */
export const DEFAULT_MEDIA_RUNS = 6;
const MAX_MEDIA_RUNS = 24;
/** Rows a new media panel takes (media need more room than a line chart). */
export const KIND_H = 3;

export function isKind(type: PanelType): boolean {
  return KIND_TYPES.includes(type);
}

/** The runs a panel shows: the charted runs (a group by its first member), at most its
 * max runs. */
export function panelRuns(specs: readonly LineSpec[], settings: LineSettings): MediaRun[] {
  const cap = Math.max(1, Math.min(MAX_MEDIA_RUNS, Math.round(settings.maxRuns ?? DEFAULT_MEDIA_RUNS)));
  return specs
    .filter((s) => s.runs.length > 0)
    .slice(0, cap)
    .map((s) => ({ id: s.runs[0]!, label: s.label, color: s.color }));
}

/** The "+ Media…" menu of a section head. */
export function AddKindMenu({ section, onAdd }: { section: string; onAdd: (type: PanelType) => void }) {
  return (
    <Popover label="+ Media" ariaLabel={`Add a media panel to ${section}`} class="panel-kind-menu">
      {(close) => (
        <div class="menu-list" role="menu">
          {KIND_TYPES.map((t) => (
            <button type="button" role="menuitem" key={t} onClick={() => { close(); onAdd(t); }}>{KIND_NAMES[t]}</button>
          ))}
        </div>
      )}
    </Popover>
  );
}

export const KindPanel = lazyView(() => import("./KindPanel").then((m) => m.KindPanel));
export const KindSettings = lazyView(() => import("./KindSettings").then((m) => m.KindSettings));
