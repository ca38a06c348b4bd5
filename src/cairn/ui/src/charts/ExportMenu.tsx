/** A chart panel's export menu: PNG, SVG, and the data as CSV (as drawn, or every logged
 * point). The work is in export.ts; a panel only places this menu in its header. */
import { useState } from "preact/hooks";
import { Icon } from "../components/Icon";
import { Popover } from "../components/Popover";
import { chartPng, chartSvg, download, drawnCsv, fileName, fullResolutionCsv, themeColors } from "./export";
import type { DrawLine, LineSpec } from "./lines";

interface Props {
  title: string;
  metric: string;
  lines: readonly DrawLine[];
  specs: readonly LineSpec[];
  x: string;
  log: boolean;
  zoom: readonly [number, number] | null;
  entity: string;
  project: string;
  /** The panel element: its canvas for the PNG, its theme for the colours. */
  panel: () => HTMLElement | null;
}

export function ExportMenu(props: Props) {
  return (
    <Popover
      ariaLabel={`Export ${props.title}`}
      class="export-menu"
      align="right"
      label={<Icon name="download" size={14} />}
    >
      {(close) => <ExportItems {...props} close={close} />}
    </Popover>
  );
}

function ExportItems({ close, ...p }: Props & { close: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: string, work: () => Promise<void> | void) => {
    setBusy(what);
    setError(null);
    try {
      await work();
      close();
    } catch (e) {
      setError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };
  const el = () => {
    const panel = p.panel();
    if (!panel) throw new Error("the chart is not on screen");
    return panel;
  };
  const empty = p.lines.every((l) => l.len === 0);
  return (
    <div class="menu" role="menu" aria-label={`Export ${p.title}`}>
      <button
        type="button"
        role="menuitem"
        class="menu-item"
        disabled={empty || busy !== null}
        onClick={() =>
          run("PNG", async () => {
            const canvas = el().querySelector<HTMLCanvasElement>(".chart-canvas canvas");
            if (!canvas) throw new Error("the chart has no canvas yet");
            download(fileName(p.title, "png"), await chartPng(canvas, p.title, p.lines, themeColors(el())));
          })
        }
      >
        PNG image
      </button>
      <button
        type="button"
        role="menuitem"
        class="menu-item"
        disabled={empty || busy !== null}
        onClick={() =>
          run("SVG", () => {
            const box = el().querySelector(".chart-canvas");
            const svg = chartSvg({
              title: p.title,
              lines: p.lines,
              x: p.x,
              log: p.log,
              zoom: p.zoom,
              width: Math.max(320, box?.clientWidth ?? 640),
              height: Math.max(200, box?.clientHeight ?? 240),
              colors: themeColors(el()),
            });
            download(fileName(p.title, "svg"), svg, "image/svg+xml");
          })
        }
      >
        SVG image
      </button>
      <button
        type="button"
        role="menuitem"
        class="menu-item"
        disabled={empty || busy !== null}
        title="One row per run and point drawn (buckets of long runs), with min and max"
        onClick={() => run("CSV", () => download(fileName(p.title, "csv"), drawnCsv(p.lines, p.metric, p.x), "text/csv"))}
      >
        Data as drawn (CSV)
      </button>
      <button
        type="button"
        role="menuitem"
        class="menu-item"
        disabled={p.specs.length === 0 || busy !== null}
        title="Every logged point of each run in the range shown, read from the server"
        onClick={() =>
          run("Full-resolution CSV", async () => {
            const csv = await fullResolutionCsv({ entity: p.entity, project: p.project, metric: p.metric, x: p.x, specs: p.specs, zoom: p.zoom });
            download(fileName(`${p.title}_full`, "csv"), csv, "text/csv");
          })
        }
      >
        {busy === "Full-resolution CSV" ? "Reading every point…" : "Full-resolution data (CSV)"}
      </button>
      {error && (
        <div class="inline-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
