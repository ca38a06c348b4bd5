import { describe, expect, it } from "vitest";
import { sectionOf, sectionsOf } from "./sections";

const metric = (key: string, kind: "f" | "o" = "f") => ({ key, kind, runs: 1 });

describe("sections", () => {
  it("groups by the prefix before / or .", () => {
    expect(sectionOf("train/loss")).toBe("train");
    expect(sectionOf("train.loss")).toBe("train");
    expect(sectionOf("loss")).toBe("Charts");
    expect(sectionOf("a/b/c")).toBe("a");
  });

  it("leaves out non-numeric and _ keys, puts Charts first, filters by text or /regex/", () => {
    const metrics = [metric("_runtime"), metric("val/acc"), metric("loss"), metric("img", "o"), metric("train.loss")];
    expect(sectionsOf(metrics, "")).toEqual([
      { name: "Charts", keys: ["loss"] },
      { name: "train", keys: ["train.loss"] },
      { name: "val", keys: ["val/acc"] },
    ]);
    expect(sectionsOf(metrics, "LOSS").flatMap((s) => s.keys)).toEqual(["loss", "train.loss"]);
    expect(sectionsOf(metrics, "/^v.l/").flatMap((s) => s.keys)).toEqual(["val/acc"]);
  });
});
