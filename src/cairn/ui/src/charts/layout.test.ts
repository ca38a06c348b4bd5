import { describe, expect, it } from "vitest";
import {
  addPanel,
  addSection,
  baseLayout,
  cleanLayout,
  duplicatePanel,
  LayoutHistory,
  movePanel,
  moveSection,
  removePanel,
  renameSection,
  resizePanel,
  resolveMetrics,
  shownSections,
  type Layout,
} from "./layout";

const sections = [
  { name: "train", keys: ["train/loss", "train/acc"] },
  { name: "val", keys: ["val/loss"] },
];

const names = (layout: Layout | null) =>
  shownSections(layout, sections).map((s) => `${s.name}: ${s.panels.map((p) => p.autoKey ?? p.settings.title ?? p.settings.metrics?.join("+")).join(", ")}`);

describe("shownSections", () => {
  it("shows the automatic panels when no layout is saved", () => {
    expect(names(null)).toEqual(["train: train/loss, train/acc", "val: val/loss"]);
  });

  it("puts configured panels first and leaves out the keys they draw and the hidden ones", () => {
    let layout = baseLayout(sections);
    const train = layout.sections[0]!.id;
    layout = addPanel(layout, train, { type: "line", settings: { metrics: ["train/acc"], title: "Acc" } })[0];
    layout = removePanel(layout, shownSections(layout, sections)[1]!.panels[0]!);
    expect(names(layout)).toEqual(["train: Acc, train/loss"]);
  });

  it("a regex panel does not take a key from the automatic panels", () => {
    const [layout] = addSection({ sections: [] }, "Mine");
    const [withPanel] = addPanel(layout, layout.sections[0]!.id, { type: "line", settings: { metrics: ["/loss$/"] } });
    expect(names(withPanel)).toEqual(["Mine: /loss$/", "train: train/loss, train/acc", "val: val/loss"]);
  });

  it("keeps a new prefix's automatic section after the saved ones", () => {
    const layout = baseLayout([sections[1]!]);
    expect(names(layout)).toEqual(["val: val/loss", "train: train/loss, train/acc"]);
  });
});

describe("edits", () => {
  it("renames and reorders sections, an automatic one joining the layout", () => {
    let layout: Layout = { sections: [] };
    const shown = shownSections(layout, sections);
    layout = renameSection(layout, shown[1]!.id, "Validation");
    expect(shownSections(layout, sections).map((s) => s.name)).toEqual(["Validation", "train"]);
    layout = moveSection(layout, shownSections(layout, sections), shownSections(layout, sections)[1]!.id, -1);
    expect(shownSections(layout, sections).map((s) => s.name)).toEqual(["train", "Validation"]);
  });

  it("duplicates, moves and resizes a panel, materialising an automatic one", () => {
    let layout = baseLayout(sections);
    const [train, val] = shownSections(layout, sections);
    layout = duplicatePanel(layout, train!.id, train!.panels[1]!);
    expect(names(layout)[0]).toBe("train: train/acc, train/acc, train/loss");
    const acc = shownSections(layout, sections)[0]!.panels[0]!;
    layout = movePanel(layout, train!.id, acc, val!.id, 0);
    expect(names(layout)).toEqual(["train: train/acc, train/loss", "val: train/acc, val/loss"]);
    const moved = shownSections(layout, sections)[1]!.panels[0]!;
    layout = resizePanel(layout, val!.id, moved, 9, 0);
    const resized = shownSections(layout, sections)[1]!.panels[0]!;
    expect([resized.w, resized.h]).toEqual([4, 1]);
  });
});

describe("resolveMetrics", () => {
  it("takes exact keys and every key a regex matches, once, in order", () => {
    expect(resolveMetrics(["val/loss", "/^train/", "train/acc"], ["train/loss", "train/acc", "val/loss"])).toEqual([
      "val/loss",
      "train/loss",
      "train/acc",
    ]);
    expect(resolveMetrics(["/[/"], ["a"])).toEqual([]);
  });
});

describe("LayoutHistory", () => {
  it("undoes and redoes, and a new change drops the redo", () => {
    const h = new LayoutHistory();
    const a: Layout = { sections: [] };
    const b: Layout = { sections: [], hidden: ["x"] };
    h.push(null);
    h.push(a);
    expect(h.undo(b)).toBe(a);
    expect(h.redo(a)).toBe(b);
    expect(h.undo(b)).toBe(a);
    h.push(a);
    expect(h.canRedo).toBe(false);
  });
});

describe("cleanLayout", () => {
  it("drops what has the wrong type instead of trusting it", () => {
    const raw = {
      sections: [
        { id: "s", name: "ok", panels: [{ id: "p", type: "line", w: 99, settings: { metrics: "loss", yMin: "0", title: "T", smoothing: { kind: "ema", amount: 0.5 } } }, { id: 3, type: "line" }, { id: "q", type: "pie" }] },
        { id: "t" },
        "nope",
      ],
      hidden: ["a", 1],
      colors: { r1: "#ff0000", r2: "red" },
    };
    expect(cleanLayout(raw)).toEqual({
      sections: [{ id: "s", name: "ok", collapsed: false, auto: null, panels: [{ id: "p", type: "line", w: 4, settings: { title: "T", smoothing: { kind: "ema", amount: 0.5 } } }] }],
      hidden: ["a"],
      colors: { r1: "#ff0000" },
    });
    expect(cleanLayout({ sections: "x" })).toBeNull();
    expect(cleanLayout(null)).toBeNull();
  });
});
