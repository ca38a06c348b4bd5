/** Which charts the System tab draws: wandb's system metric names grouped and titled. */

/** Titles of wandb's metric names; anything else is shown by its name. */
const TITLES: { [chart: string]: string } = {
  cpu: "Process CPU (%)",
  "cpu.*.cpu_percent": "CPU per core (%)",
  cpu_percent: "System CPU (%)",
  "proc.cpu.threads": "Process threads",
  memory_percent: "System memory (%)",
  "proc.memory.rssMB": "Process memory in use (MB)",
  "proc.memory.percent": "Process memory (%)",
  "proc.memory.availableMB": "System memory available (MB)",
  "disk.in": "Disk read since start (MB)",
  "disk.out": "Disk written since start (MB)",
  "network.sent": "Network sent (bytes)",
  "network.recv": "Network received (bytes)",
  "gpu.*.gpu": "GPU utilisation (%)",
  "gpu.*.memory": "GPU memory access time (%)",
  "gpu.*.memoryAllocated": "GPU memory allocated (%)",
  "gpu.*.memoryAllocatedBytes": "GPU memory allocated (bytes)",
  "gpu.*.temp": "GPU temperature (°C)",
  "gpu.*.powerWatts": "GPU power (W)",
  "gpu.*.powerPercent": "GPU power (% of limit)",
};

/** Chart order: by the first of these prefixes a chart's id starts with. */
const ORDER = [
  "cpu", "cpu_percent", "cpu.*", "proc.cpu", "memory_percent", "proc.memory.rss", "proc.memory.percent", "proc.memory",
  "disk.in", "disk.out", "disk.", "network", "gpu.*.gpu", "gpu.*.memoryAllocated", "gpu.*", "gpu.process",
];

function titleOf(id: string): string {
  const known = TITLES[id];
  if (known) return known;
  const own = TITLES[id.replace("gpu.process.", "gpu.")];
  if (own) return own.replace("GPU", "GPU (this process)");
  const disk = /^disk\.(.+)\.(usagePercent|usageGB)$/.exec(id);
  if (disk) return `Disk used at ${disk[1]} (${disk[2] === "usageGB" ? "GB" : "%"})`;
  return id;
}

export interface SystemChart {
  id: string;
  title: string;
  /** Metric keys (with the `system/` prefix) and their line labels. */
  members: { key: string; label: string }[];
}

/** Group metric keys into charts: a device index (`.3.`) becomes `*`, one line each. */
export function systemCharts(keys: readonly string[]): SystemChart[] {
  const charts = new Map<string, SystemChart>();
  for (const key of keys) {
    const name = key.startsWith("system/") ? key.slice(7) : key;
    const m = /^(.*?)\.(\d+)\.(.*)$/.exec(name);
    const id = m ? `${m[1]}.*.${m[3]}` : name;
    const label = m ? `${m[1] === "cpu" ? "core" : m[1]} ${m[2]}` : name;
    let chart = charts.get(id);
    if (!chart) {
      chart = { id, title: titleOf(id), members: [] };
      charts.set(id, chart);
    }
    chart.members.push({ key, label });
  }
  const rank = (id: string) => {
    const exact = ORDER.indexOf(id);
    if (exact >= 0) return exact;
    const i = ORDER.findIndex((p) => id.startsWith(p) && p !== "cpu");
    return i < 0 ? ORDER.length : i;
  };
  for (const c of charts.values()) c.members.sort((a, b) => a.key.localeCompare(b.key, undefined, { numeric: true }));
  return [...charts.values()].sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}
