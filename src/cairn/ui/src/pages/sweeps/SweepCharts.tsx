/** The sweep page's charts, drawn as SVG (a sweep has hundreds to thousands of trials, not
 * millions of points): the metric over trials with the running best, parallel coordinates
 * of the parameters and the metric, parameter importance, and a scatter of one parameter
 * against the metric. */
import type { ParamImportance, Sweep, Trial } from "../../api/sweeps";

const W = 640;
const H = 240;
const PAD = { left: 56, right: 16, top: 12, bottom: 28 };

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
  }
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** An axis from values: numbers (log when positive across more than two decades) or
 * categories, to a position in [0, 1]. */
interface Axis {
  name: string;
  at: (v: unknown) => number | null;
  ticks: { at: number; label: string }[];
}

function axisOf(name: string, values: unknown[]): Axis {
  const nums = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (nums.length > 0 && nums.length === values.filter((v) => v !== null && v !== undefined).length) {
    let lo = Math.min(...nums);
    let hi = Math.max(...nums);
    const log = lo > 0 && hi / lo > 100;
    const f = (x: number) => (log ? Math.log10(x) : x);
    if (lo === hi) {
      lo -= 1;
      hi += 1;
    }
    const a = f(lo);
    const b = f(hi);
    const at = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? (f(v) - a) / (b - a) : null);
    return { name, at, ticks: [lo, hi].map((t) => ({ at: at(t) ?? 0, label: formatValue(t) })) };
  }
  const cats = [...new Set(values.filter((v) => v !== null && v !== undefined).map((v) => formatValue(v)))].sort();
  const at = (v: unknown) => {
    const i = cats.indexOf(formatValue(v));
    return i < 0 ? null : cats.length === 1 ? 0.5 : i / (cats.length - 1);
  };
  return { name, at, ticks: cats.map((c, i) => ({ at: cats.length === 1 ? 0.5 : i / (cats.length - 1), label: c })) };
}

function better(goal: string | undefined, a: number, b: number): boolean {
  return goal === "maximize" ? a > b : a < b;
}

/** Colour of a value between the worst (warm) and the best (cool). */
function shade(t: number): string {
  return `hsl(${Math.round(20 + 190 * t)} 70% 50%)`;
}

export function MetricOverTrials({ sweep }: { sweep: Sweep }) {
  const goal = sweep.metric?.goal;
  const done = sweep.trials.filter((t): t is Trial & { value: number } => t.value !== null);
  if (done.length === 0) return <p class="muted">No trial has reported {sweep.metric?.name ?? "the metric"} yet.</p>;
  const n = Math.max(1, ...sweep.trials.map((t) => t.number));
  const y = axisOf("value", done.map((t) => t.value));
  const px = (k: number) => PAD.left + (k / n) * (W - PAD.left - PAD.right);
  const py = (v: number) => H - PAD.bottom - (y.at(v) ?? 0) * (H - PAD.top - PAD.bottom);
  let best: number | null = null;
  const steps: string[] = [];
  for (const t of done) {
    if (best === null || better(goal, t.value, best)) best = t.value;
    steps.push(`${steps.length ? "L" : "M"}${px(t.number).toFixed(1)},${py(best).toFixed(1)}`);
  }
  return (
    <svg class="sweep-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="metric over trials">
      <Frame y={y} xLabel="trial" xMax={n} />
      {done.map((t) => (
        <circle key={t.number} class={`dot dot-${t.state}`} cx={px(t.number)} cy={py(t.value)} r={3}>
          <title>{`trial ${t.number}: ${formatValue(t.value)} (${t.state})`}</title>
        </circle>
      ))}
      <path class="running-best" d={steps.join("")} />
    </svg>
  );
}

function Frame({ y, xLabel, xMax, xAxis }: { y: Axis; xLabel: string; xMax?: number; xAxis?: Axis }) {
  const bottom = H - PAD.bottom;
  return (
    <g class="frame">
      <line x1={PAD.left} y1={bottom} x2={W - PAD.right} y2={bottom} />
      <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={bottom} />
      {y.ticks.slice(0, 12).map((t) => (
        <text key={t.label} x={PAD.left - 4} y={bottom - t.at * (bottom - PAD.top)} text-anchor="end" dy="0.3em">
          {t.label}
        </text>
      ))}
      {xAxis
        ? xAxis.ticks.slice(0, 12).map((t) => (
            <text key={t.label} x={PAD.left + t.at * (W - PAD.left - PAD.right)} y={bottom + 14} text-anchor="middle">
              {t.label}
            </text>
          ))
        : <text x={W - PAD.right} y={bottom + 14} text-anchor="end">{`${xLabel} ${xMax ?? ""}`}</text>}
      <text x={PAD.left} y={bottom + 24} class="axis-name">{xAxis ? xAxis.name : xLabel}</text>
    </g>
  );
}

export function Scatter({ sweep, param }: { sweep: Sweep; param: string }) {
  const done = sweep.trials.filter((t): t is Trial & { value: number } => t.value !== null);
  if (done.length === 0) return null;
  const x = axisOf(param, done.map((t) => t.params[param]));
  const y = axisOf("value", done.map((t) => t.value));
  const px = (v: unknown) => PAD.left + (x.at(v) ?? 0) * (W - PAD.left - PAD.right);
  const py = (v: number) => H - PAD.bottom - (y.at(v) ?? 0) * (H - PAD.top - PAD.bottom);
  return (
    <svg class="sweep-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${param} against the metric`}>
      <Frame y={y} xLabel={param} xAxis={x} />
      {done.map((t) => (
        <circle key={t.number} class="dot" cx={px(t.params[param])} cy={py(t.value)} r={3}>
          <title>{`trial ${t.number}: ${param} ${formatValue(t.params[param])} → ${formatValue(t.value)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

export function ParallelCoordinates({ sweep, params }: { sweep: Sweep; params: string[] }) {
  const done = sweep.trials.filter((t): t is Trial & { value: number } => t.value !== null);
  if (done.length === 0 || params.length === 0) return null;
  const goal = sweep.metric?.goal;
  const axes = [...params.map((p) => axisOf(p, done.map((t) => t.params[p]))), axisOf(sweep.metric?.name ?? "value", done.map((t) => t.value))];
  const metricAxis = axes[axes.length - 1]!;
  const height = 260;
  const top = 24;
  const bottom = height - 20;
  const ax = (i: number) => 40 + (i / Math.max(1, axes.length - 1)) * (W - 80);
  const ay = (v: number | null) => bottom - (v ?? 0) * (bottom - top);
  return (
    <svg class="sweep-chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label="parallel coordinates">
      {done.map((t) => {
        const m = metricAxis.at(t.value) ?? 0;
        const quality = goal === "maximize" ? m : 1 - m;
        const d = axes
          .map((a, i) => `${i ? "L" : "M"}${ax(i).toFixed(1)},${ay(a.at(i < params.length ? t.params[params[i]!] : t.value)).toFixed(1)}`)
          .join("");
        return (
          <path key={t.number} class="pc-line" d={d} style={{ stroke: shade(quality) }}>
            <title>{`trial ${t.number}: ${formatValue(t.value)}`}</title>
          </path>
        );
      })}
      {axes.map((a, i) => (
        <g key={a.name} class="frame">
          <line x1={ax(i)} y1={top} x2={ax(i)} y2={bottom} />
          <text x={ax(i)} y={14} text-anchor="middle" class="axis-name">{a.name}</text>
          {a.ticks.slice(0, 8).map((t) => (
            <text key={t.label} x={ax(i) + 4} y={ay(t.at)} dy="0.3em">{t.label}</text>
          ))}
        </g>
      ))}
    </svg>
  );
}

export function Importance({ sweep, importance }: { sweep: Sweep; importance: ParamImportance | null }) {
  if (importance === null) return <p class="muted">Fitting the importance model…</p>;
  const rows = importance.params;
  if (rows.length === 0) return null;
  return (
    <table class="table importance">
      <thead>
        <tr>
          <th>Parameter</th>
          <th>Importance{importance.method ? ` (${importance.method})` : " (needs 4 trials with a value)"}</th>
          <th>Correlation with {sweep.metric?.name ?? "the metric"}</th>
        </tr>
      </thead>
      <tbody>
        {[...rows]
          .sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1))
          .map((r) => (
            <tr key={r.name}>
              <td>{r.name}</td>
              <td>
                <Bar value={r.importance} />
              </td>
              <td>
                <Bar value={r.correlation} signed />
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function Bar({ value, signed = false }: { value: number | null; signed?: boolean }) {
  if (value === null) return <span class="muted">—</span>;
  const width = Math.min(100, Math.abs(value) * 100);
  return (
    <span class="bar-cell">
      <span class={`bar ${signed && value < 0 ? "bar-negative" : ""}`} style={{ width: `${width}%` }} />
      <span class="bar-label">{value.toFixed(3)}</span>
    </span>
  );
}
