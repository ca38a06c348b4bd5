/** The field panels (bar, scatter, parallel coordinates, run comparer, parameter
 * importance) as the panel grid shows them, and its "+ Chart" menu. */
import { Icon } from "../../components/Icon";
import { Popover } from "../../components/Popover";
import { BarPanel } from "./BarPanel";
import { ComparerPanel } from "./ComparerPanel";
import { usePanelContext } from "./context";
import { ImportancePanel } from "./ImportancePanel";
import { FIELD_PANEL_NAMES, FIELD_PANEL_TYPES, type FieldPanelType } from "./options";
import { ParallelPanel } from "./ParallelPanel";
import { ScatterPanel } from "./ScatterPanel";
import type { PanelBodyProps } from "./types";
import "./panels.css";

export { defaultTitle, isFieldPanel, newPanelSize } from "./options";
export { FieldSettings } from "./FieldSettings";

const BODIES: Record<FieldPanelType, (p: PanelBodyProps) => preact.JSX.Element> = {
  bar: BarPanel,
  scatter: ScatterPanel,
  parallel: ParallelPanel,
  comparer: ComparerPanel,
  importance: ImportancePanel,
};

export function FieldPanel(props: Omit<PanelBodyProps, "ctx"> & { type: FieldPanelType }) {
  const ctx = usePanelContext();
  if (!ctx) {
    return (
      <section class="panel" aria-label={props.frame.title}>
        <header class="panel-head"><h3 class="panel-title">{props.frame.title}</h3>{props.frame.menu}</header>
        <p class="muted pad">This panel charts a project's runs: it is shown in the workspace.</p>
      </section>
    );
  }
  const Body = BODIES[props.type];
  return <Body {...props} ctx={ctx} />;
}

/** "+ Chart": add a field panel of a type to a section. */
export function AddChartMenu({ section, onAdd }: { section: string; onAdd: (type: FieldPanelType) => void }) {
  return (
    <Popover label={<><Icon name="plus" size={12} /> Chart</>} ariaLabel={`Add a chart to ${section}`} class="add-chart-menu" align="right">
      {(close) => (
        <div class="menu-list" role="menu">
          {FIELD_PANEL_TYPES.map((t) => (
            <button type="button" role="menuitem" key={t} onClick={() => {
              close();
              onAdd(t);
            }}>{FIELD_PANEL_NAMES[t]}</button>
          ))}
        </div>
      )}
    </Popover>
  );
}
