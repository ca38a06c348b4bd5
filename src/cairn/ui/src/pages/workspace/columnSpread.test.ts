import { describe, expect, it } from "vitest";
import type { Json, Run } from "../../api/types";
import { defaultColumns, spreadOf } from "./columnSpread";

function run(id: string, config: { [k: string]: Json }, summary: { [k: string]: Json }): Run {
  return { id, config, summary } as unknown as Run;
}

describe("spreadOf", () => {
  const runs = [
    run("a", { lr: 0.1, opt: "adam", model: { layers: 4, act: "relu" } }, { acc: 0.9, epochs: 10, _runtime: 5, _step: 9 }),
    run("b", { lr: 0.01, opt: "adam", model: { layers: 4, act: "gelu" } }, { acc: 0.8, epochs: 10, _runtime: 7, _step: 9 }),
    run("c", { lr: 0.01, opt: "adam", model: { layers: 4, act: "gelu" }, extra: 1 }, { acc: 0.7, epochs: 10, _runtime: 9, _step: 9 }),
  ];
  const config = ["extra", "lr", "model.act", "model.layers", "opt"];
  const summary = ["_runtime", "_step", "acc", "epochs"];

  it("keeps the keys that differ, a key some runs lack included", () => {
    const s = spreadOf(runs, config, summary);
    expect(s.config).toEqual(["extra", "lr", "model.act"]);
    expect(s.summary).toEqual(["_runtime", "acc"]);
    expect([...s.constant]).toEqual([
      ["config.model.layers", 4],
      ["config.opt", "adam"],
      ["summary.epochs", 10],
    ]);
  });

  it("defaults to the varying keys, internal ones left out; constant ones on request", () => {
    const s = spreadOf(runs, config, summary);
    expect(defaultColumns(s, false)).toEqual(["config.extra", "config.lr", "config.model.act", "summary.acc"]);
    expect(defaultColumns(s, true)).toEqual([
      "config.extra",
      "config.lr",
      "config.model.act",
      "summary.acc",
      "config.model.layers",
      "config.opt",
      "summary.epochs",
    ]);
  });

  it("shows every key of a lone run", () => {
    const s = spreadOf(runs.slice(0, 1), config, summary);
    expect(s.config).toEqual(config);
    expect(s.constant.size).toBe(0);
  });
});
