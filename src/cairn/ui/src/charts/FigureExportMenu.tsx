/** The export menu of a chart that is not a line chart: one drawn as an SVG element
 * (parallel coordinates) or by Vega (scatter). PNG, SVG, and its data as CSV. */
import { useState } from "preact/hooks";
import { Icon } from "../components/Icon";
import { Popover } from "../components/Popover";
import { download, fileName, svgElementText, svgPng, themeColors } from "./export";

interface Props {
  title: string;
  /** The element holding the chart: an `<svg>` inside it, or a Vega chart's `.vega-target`. */
  figure: () => HTMLElement | null;
  csv: () => string;
  /** False for a table (a run comparer): only its data exports. */
  images?: boolean;
}

async function svgOf(el: HTMLElement): Promise<{ text: string; width: number; height: number } | null> {
  const vega = el.querySelector<HTMLElement>(".vega-target");
  if (vega) {
    const { vegaSvg } = await import("./vega/embed");
    const text = await vegaSvg(vega);
    const box = vega.getBoundingClientRect();
    return text ? { text, width: box.width, height: box.height } : null;
  }
  const svg = el.querySelector("svg:not([aria-hidden])") as SVGSVGElement | null;
  if (!svg) return null;
  const box = svg.getBoundingClientRect();
  return { text: svgElementText(svg, themeColors(el)), width: box.width, height: box.height };
}

async function pngOf(el: HTMLElement): Promise<Blob | null> {
  const vega = el.querySelector<HTMLElement>(".vega-target");
  if (vega) {
    const { vegaCanvas } = await import("./vega/embed");
    const canvas = await vegaCanvas(vega);
    if (!canvas) return null;
    return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not encode the PNG"))), "image/png"));
  }
  const svg = await svgOf(el);
  return svg ? svgPng(svg.text, svg.width, svg.height) : null;
}

export function FigureExportMenu(props: Props) {
  return (
    <Popover ariaLabel={`Export ${props.title}`} class="export-menu" align="right" label={<Icon name="download" size={14} />}>
      {(close) => <Items {...props} close={close} />}
    </Popover>
  );
}

function Items({ title, figure, csv, close, images = true }: Props & { close: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const run = async (what: string, work: (el: HTMLElement) => Promise<void>) => {
    setError(null);
    try {
      const el = figure();
      if (!el) throw new Error("the chart is not on screen");
      await work(el);
      close();
    } catch (e) {
      setError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const nothing = () => new Error("the chart has not been drawn yet");
  return (
    <div class="menu" role="menu" aria-label={`Export ${title}`}>
      {images && <button type="button" role="menuitem" class="menu-item" onClick={() => run("PNG", async (el) => {
        const png = await pngOf(el);
        if (!png) throw nothing();
        download(fileName(title, "png"), png);
      })}>
        PNG image
      </button>}
      {images && <button type="button" role="menuitem" class="menu-item" onClick={() => run("SVG", async (el) => {
        const svg = await svgOf(el);
        if (!svg) throw nothing();
        download(fileName(title, "svg"), svg.text, "image/svg+xml");
      })}>
        SVG image
      </button>}
      <button type="button" role="menuitem" class="menu-item" onClick={() => run("CSV", async () => download(fileName(title, "csv"), csv(), "text/csv"))}>
        Data (CSV)
      </button>
      {error && (
        <div class="inline-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
