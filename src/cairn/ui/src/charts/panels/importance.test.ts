import { describe, expect, it } from "vitest";
import type { Run } from "../../api/types";
import { forestImportance, importanceOf, pearson } from "./importance";

function run(i: number, config: Record<string, number | string>, summary: Record<string, number>): Run {
  return {
    id: `r${i}`, entity: "e", project: "p", path: `e/p/r${i}`, name: `run-${i}`, state: "finished", notes: null, tags: [],
    group: null, job_type: null, created_at: i, updated_at: null, heartbeat_at: null, finished_at: null, exit_code: 0,
    last_step: null, host: null, config, summary, meta: {}, url: null,
  };
}

/** A fixed pseudo-random sequence in [0, 1). */
function sequence(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

describe("parameter importance", () => {
  it("correlates a linear metric fully and an unrelated one weakly", () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
  });

  it("gives the one parameter the metric depends on nearly all the importance", () => {
    const r = sequence(42);
    const runs = Array.from({ length: 200 }, (_, i) => {
      const lr = r();
      const dropout = r();
      const batch = [16, 32, 64][Math.floor(r() * 3)]!;
      const optimizer = ["adam", "sgd"][Math.floor(r() * 2)]!;
      return run(i, { lr, dropout, batch, optimizer }, { loss: (lr - 0.3) ** 2 });
    });
    const result = importanceOf(runs, "summary.loss");
    expect(result.fitted).toBe(true);
    expect(result.runs).toBe(200);
    const byParam = new Map(result.rows.map((row) => [row.param, row]));
    expect(result.rows[0]!.param).toBe("config.lr");
    expect(byParam.get("config.lr")!.importance!).toBeGreaterThan(0.9);
    for (const p of ["config.dropout", "config.batch", "config.optimizer"]) expect(byParam.get(p)!.importance!).toBeLessThan(0.05);
    const sum = result.rows.reduce((a, row) => a + row.importance!, 0);
    expect(sum).toBeCloseTo(1, 9);
    // The metric is not monotone in lr, so its linear correlation is weak though its
    // importance is all: the reason both are shown.
    expect(Math.abs(byParam.get("config.dropout")!.correlation!)).toBeLessThan(0.2);
    expect(byParam.get("config.optimizer")!.correlation).toBeNull();
  });

  it("sees a linear dependence in both numbers", () => {
    const r = sequence(7);
    const runs = Array.from({ length: 100 }, (_, i) => {
      const a = r();
      return run(i, { a, b: r() }, { acc: 2 * a + 1 });
    });
    const rows = new Map(importanceOf(runs, "summary.acc").rows.map((row) => [row.param, row]));
    expect(rows.get("config.a")!.correlation!).toBeCloseTo(1, 9);
    expect(rows.get("config.a")!.importance!).toBeGreaterThan(0.9);
  });

  it("fits no model on too few runs and skips runs without the metric", () => {
    const runs = [run(0, { a: 1 }, { m: 1 }), run(1, { a: 2 }, { m: 2 }), run(2, { a: 3 }, {}), run(3, { a: 4 }, { m: 4 })];
    const result = importanceOf(runs, "summary.m");
    expect(result.runs).toBe(3);
    expect(result.fitted).toBe(false);
    expect(result.rows[0]!.importance).toBeNull();
    expect(result.rows[0]!.correlation!).toBeCloseTo(1, 9);
  });

  it("is the same on every fit (seeded)", () => {
    const x = [[1, 5], [2, 3], [3, 9], [4, 1], [5, 7], [6, 2]];
    const y = [1, 2, 3, 4, 5, 6];
    expect(forestImportance(x, y, { seed: 3 })).toEqual(forestImportance(x, y, { seed: 3 }));
  });
});
