/** The frame every field panel shares: its header (title, export, the editor's menu), the
 * body sized to the panel's rows, and the states before a chart (loading, error, empty). */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorBanner } from "../../components/ErrorBanner";
import { FigureExportMenu } from "../FigureExportMenu";

export interface FrameProps {
  title: string;
  type: string;
  height: number;
  menu?: ComponentChildren;
  /** The data as CSV; `images`: whether PNG/SVG export applies (a chart, not a table). */
  csv: () => string;
  images?: boolean;
  error?: unknown;
  onRetry?: () => void;
  /** Shown instead of the body (no data yet, nothing chosen…). */
  empty?: string | null;
  status?: ComponentChildren;
  children?: ComponentChildren;
}

export function PanelFrame(props: FrameProps) {
  const el = useRef<HTMLElement>(null);
  return (
    <section class="panel field-panel" aria-label={props.title} data-panel-type={props.type} ref={el}>
      <header class="panel-head">
        <h3 class="panel-title" title={props.title}>{props.title}</h3>
        <FigureExportMenu title={props.title} figure={() => el.current} csv={props.csv} images={props.images ?? true} />
        {props.menu}
      </header>
      {props.status}
      {props.error !== undefined && <ErrorBanner error={props.error} onRetry={props.onRetry} />}
      <div class="field-panel-body" style={{ height: `${props.height}px` }}>
        {props.empty ? <p class="muted pad field-panel-empty">{props.empty}</p> : props.children}
      </div>
    </section>
  );
}

/** The width of an element, followed as it changes. */
export function useWidth(fallback = 400): [preact.RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || fallback);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || fallback));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}
