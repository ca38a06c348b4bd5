import { describe, expect, it } from "vitest";
import { chartSvg, csvCell, csvOf, drawnCsv, fileName, niceTicks } from "./export";
import type { DrawLine } from "./lines";

function line(id: string, xs: number[], ys: number[], extra: Partial<DrawLine> = {}): DrawLine {
  return {
    id,
    label: id.toUpperCase(),
    color: "#ff0000",
    len: xs.length,
    xs: Float64Array.from(xs),
    ys: Float64Array.from(ys),
    raw: null,
    lo: null,
    hi: null,
    group: false,
    ...extra,
  };
}

describe("csv", () => {
  it("quotes what needs quoting and defuses formulas", () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("-3.5")).toBe("-3.5");
    expect(csvCell(NaN)).toBe("NaN");
    expect(csvCell(null)).toBe("");
    expect(csvOf(["a", "b"], [[1, "x"]])).toBe("a,b\r\n1,x\r\n");
  });

  it("writes what is drawn: run, x, y, and the unsmoothed value and band when there are some", () => {
    const a = line("a", [0, 1], [1, 2], { raw: Float64Array.from([1.5, 2.5]), lo: Float64Array.from([0.5, 1]), hi: Float64Array.from([2, 3]) });
    const b = line("b", [0], [7]);
    expect(drawnCsv([a, b], "loss", "_step").split("\r\n")).toEqual([
      "run,run_id,_step,loss,loss (unsmoothed),loss (min),loss (max)",
      "A,a,0,1,1.5,0.5,2",
      "A,a,1,2,2.5,1,3",
      "B,b,0,7,7,7,7",
      "",
    ]);
  });

  it("names files from titles", () => {
    expect(fileName("train/loss", "png")).toBe("train_loss.png");
    expect(fileName("///", "svg")).toBe("chart.svg");
  });
});

describe("svg", () => {
  it("has round ticks", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97)).toEqual([20, 40, 60, 80]);
  });

  it("draws each line, breaks it at a missing value, and escapes labels", () => {
    const svg = chartSvg({
      title: "loss <test>",
      lines: [line("r1", [0, 1, 2, 3], [1, NaN, 3, 4], { label: "run & co" })],
      x: "_step",
      log: false,
      zoom: null,
      width: 400,
      height: 240,
      colors: { background: "#fff", text: "#000", muted: "#666", grid: "#eee" },
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("loss &lt;test&gt;");
    expect(svg).toContain("run &amp; co");
    expect(svg.match(/<polyline/g)?.length).toBe(1); // steps 2-3; step 0 alone is a dot
    expect(svg.match(/<circle/g)?.length).toBe(1);
  });
});
