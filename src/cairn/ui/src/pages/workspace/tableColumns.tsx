/** The runs table's columns: name, then the chosen config and summary keys (by default the
 * ones that differ between runs: what tells the runs apart comes first), then state,
 * created and runtime. */
import type { ComponentChildren } from "preact";
import type { Run } from "../../api/types";
import { Link } from "../../components/Link";
import { StateBadge } from "../../components/StateBadge";
import { fieldValue } from "../../lib/flatten";
import { formatAgo, formatDuration, formatTime, formatValue, runDuration } from "../../lib/format";
import { paths } from "../../router";

export interface Column {
  id: string;
  label: string;
  /** The server's sort field; null: not sortable. */
  sort: string | null;
  width: number;
  cell: (run: Run) => ComponentChildren;
  numeric?: boolean;
  /** Config or summary column (marked in the header: `lr` may be both). */
  part?: "config" | "summary";
}

function valueCell(field: string) {
  return (run: Run) => {
    const v = fieldValue(run as Run & Record<string, unknown>, field);
    return <span title={formatValue(v)}>{formatValue(v)}</span>;
  };
}

function shortLabel(field: string): string {
  const name = field.replace(/^(config|summary)\./, "");
  return name;
}

export interface RunColors {
  /** Colours of the charted runs; a run not charted has none. */
  colors: ReadonlyMap<string, string>;
  onColor: (id: string, color: string) => void;
}

/** A charted run's colour, which a click lets the user change (saved per project). */
function ColorSwatch({ run, colors }: { run: Run; colors: RunColors }) {
  const color = colors.colors.get(run.id);
  if (!color) return <span class="swatch swatch-none" title="Not in the charts" aria-hidden="true" />;
  return (
    <input
      type="color"
      class="swatch swatch-input"
      value={color}
      aria-label={`Colour of ${run.name || run.id}`}
      title="Colour in charts: click to change"
      onChange={(e) => colors.onColor(run.id, e.currentTarget.value)}
    />
  );
}

export function columnsFor(fields: readonly string[], entity: string, project: string, colors: RunColors): Column[] {
  return [
    {
      id: "name",
      label: "Name",
      sort: "name",
      width: 200,
      cell: (run) => (
        <span class="run-name">
          <ColorSwatch run={run} colors={colors} />
          <Link href={paths.run(entity, project, run.id)} title={run.name || run.id}>
            {run.name || run.id}
          </Link>
        </span>
      ),
    },
    ...fields.map((f) => ({
      id: f,
      label: shortLabel(f),
      sort: f,
      width: 120,
      numeric: true,
      part: f.startsWith("config.") ? ("config" as const) : ("summary" as const),
      cell: valueCell(f),
    })),
    { id: "state", label: "State", sort: "state", width: 100, cell: (run) => <StateBadge state={run.state} /> },
    {
      id: "created_at",
      label: "Created",
      sort: "created_at",
      width: 104,
      cell: (run) => <span title={formatTime(run.created_at)}>{formatAgo(run.created_at)}</span>,
    },
    { id: "runtime", label: "Runtime", sort: null, width: 80, cell: (run) => formatDuration(runDuration(run)) },
  ];
}
