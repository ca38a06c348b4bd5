/** Metric panels in collapsible sections by key prefix. A section lists its first panels
 * and more on request, and each panel fetches and draws only while on screen, so a
 * project with thousands of metrics stays fluid. */
import { useState } from "preact/hooks";
import { Icon } from "../components/Icon";
import type { Section } from "../lib/sections";
import type { ChartData } from "./chartData";
import { ChartPanel, type ChartSettings } from "./ChartPanel";
import type { LineSpec } from "./lines";

const FIRST_PANELS = 24;
/** Sections open by default; with hundreds of prefixes, the rest start closed. */
const OPEN_SECTIONS = 8;

interface Props {
  sections: readonly Section[];
  specs: readonly LineSpec[];
  data: ChartData;
  settings: ChartSettings;
  onZoom: (z: readonly [number, number] | null) => void;
  onFullScreen: (key: string) => void;
  syncKey: string;
  /** Remembers which sections were opened or closed by hand (per project). */
  storageKey: string;
}

type Toggled = Record<string, boolean>;

function loadToggled(key: string): Toggled {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Toggled) : {};
  } catch {
    return {};
  }
}

export function PanelSections(props: Props) {
  const [toggled, setToggled] = useState(() => loadToggled(props.storageKey));
  const isOpen = (name: string, i: number) => toggled[name] ?? i < OPEN_SECTIONS;
  const toggle = (name: string, i: number) => {
    const next = { ...toggled, [name]: !isOpen(name, i) };
    setToggled(next);
    try {
      localStorage.setItem(props.storageKey, JSON.stringify(next));
    } catch {
      // not remembered: fine
    }
  };
  return (
    <div class="sections">
      {props.sections.map((s, i) => (
        <PanelSection key={s.name} section={s} open={isOpen(s.name, i)} onToggle={() => toggle(s.name, i)} {...props} />
      ))}
    </div>
  );
}

function PanelSection(props: Props & { section: Section; open: boolean; onToggle: () => void }) {
  const { section, open } = props;
  const [limit, setLimit] = useState(FIRST_PANELS);
  const id = `section-${section.name.replace(/[^\w-]/g, "_")}`;
  return (
    <section class="section" aria-labelledby={`${id}-h`}>
      <h2 class="section-head" id={`${id}-h`}>
        <button type="button" class="btn-plain section-toggle" aria-expanded={open} aria-controls={id} onClick={props.onToggle}>
          <span class={open ? "chev chev-open" : "chev"}><Icon name="chevron" size={12} /></span>
          {section.name}
          <span class="count">{section.keys.length}</span>
        </button>
      </h2>
      {open && (
        <div class="panel-grid" id={id}>
          {section.keys.slice(0, limit).map((key) => (
            <ChartPanel
              key={key}
              metric={key}
              specs={props.specs}
              data={props.data}
              settings={props.settings}
              onZoom={props.onZoom}
              onFullScreen={() => props.onFullScreen(key)}
              syncKey={props.syncKey}
            />
          ))}
        </div>
      )}
      {open && section.keys.length > limit && (
        <button type="button" class="btn show-more" onClick={() => setLimit(limit + 48)}>
          Show more panels ({section.keys.length - limit} left)
        </button>
      )}
    </section>
  );
}
