import { describe, expect, it } from "vitest";
import { systemCharts } from "./systemCharts";

describe("systemCharts", () => {
  it("puts per-device metrics on one chart, a line per device, in a stable order", () => {
    const charts = systemCharts([
      "system/network.sent",
      "system/gpu.1.gpu",
      "system/cpu.1.cpu_percent",
      "system/gpu.0.gpu",
      "system/cpu",
      "system/cpu.0.cpu_percent",
      "system/memory_percent",
      "system/disk./.usagePercent",
      "system/gpu.process.1.gpu",
      "system/custom",
    ]);
    expect(charts.map((c) => c.title)).toEqual([
      "Process CPU (%)",
      "CPU per core (%)",
      "System memory (%)",
      "Disk used at / (%)",
      "Network sent (bytes)",
      "GPU utilisation (%)",
      "GPU (this process) utilisation (%)",
      "custom",
    ]);
    const gpu = charts.find((c) => c.id === "gpu.*.gpu");
    expect(gpu?.members).toEqual([
      { key: "system/gpu.0.gpu", label: "gpu 0" },
      { key: "system/gpu.1.gpu", label: "gpu 1" },
    ]);
    expect(charts[1]?.members.map((m) => m.label)).toEqual(["core 0", "core 1"]);
  });
});
