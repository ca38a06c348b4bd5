import { describe, expect, it } from "vitest";
import { parseGraph } from "./graphDoc";

describe("reading a logged graph", () => {
  it("takes wandb's graph JSON: nodes with names and shapes, edges as id pairs", () => {
    const g = parseGraph({
      format: "torch",
      nodes: [{ id: 0, name: "fc1", class_name: "Linear", output_shape: [8, 32] }, { id: 1, name: "relu" }],
      edges: [[0, 1]],
    });
    expect(g.nodes).toEqual([
      { id: "0", label: "fc1", detail: "Linear · [8,32]" },
      { id: "1", label: "relu", detail: "" },
    ]);
    expect(g.edges).toEqual([["0", "1"]]);
  });

  it("drops what it cannot draw: unknown ends, loops, repeated ids, nodes past the limit", () => {
    const g = parseGraph({ nodes: [{ id: "a" }, { id: "a" }, { id: "b" }, { id: "c" }, "junk"], edges: [["a", "x"], ["a", "a"], ["a", "b"], "no"] }, 2);
    expect(g.nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(g.edges).toEqual([["a", "b"]]);
    expect(g.dropped).toBe(1);
  });

  it("keeps labels short and never trusts the document's shape", () => {
    const long = "x".repeat(500);
    const g = parseGraph({ nodes: [{ id: 1, name: long, class_name: long, output_shape: long }] });
    expect(g.nodes[0]!.label.length).toBeLessThanOrEqual(48);
    expect(g.nodes[0]!.detail.length).toBeLessThanOrEqual(48);
    expect(parseGraph(null)).toEqual({ nodes: [], edges: [], dropped: 0 });
    expect(parseGraph([1, 2])).toEqual({ nodes: [], edges: [], dropped: 0 });
  });
});
