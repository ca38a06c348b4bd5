import { describe, expect, it } from "vitest";
import { layoutLineage } from "./lineageLayout";

describe("layoutLineage", () => {
  it("puts each node after its inputs", () => {
    const nodes = [{ id: "model" }, { id: "train" }, { id: "data" }, { id: "prep" }, { id: "eval" }];
    const edges = [
      { from: "prep", to: "data" },
      { from: "data", to: "train" },
      { from: "train", to: "model" },
      { from: "data", to: "eval" },
      { from: "model", to: "eval" },
    ];
    const layers = Object.fromEntries(layoutLineage(nodes, edges).map((p) => [p.node.id, p.layer]));
    expect(layers).toEqual({ prep: 0, data: 1, train: 2, model: 3, eval: 4 });
  });

  it("terminates on a cycle", () => {
    const placed = layoutLineage([{ id: "a" }, { id: "b" }], [{ from: "a", to: "b" }, { from: "b", to: "a" }]);
    expect(placed).toHaveLength(2);
  });
});
