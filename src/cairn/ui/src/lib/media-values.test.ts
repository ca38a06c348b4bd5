import { describe, expect, it } from "vitest";
import { flatten } from "./flatten";
import { formatValue } from "./format";

describe("logged media in summaries", () => {
  const summary = { loss: 0.5, img: { _type: "image-file", sha256: "ab", width: 32, height: 24 }, t: { _type: "table-file", nrows: 10 } };

  it("are one value each, not a subtree", () => {
    expect([...flatten(summary).keys()]).toEqual(["loss", "img", "t"]);
  });

  it("read as their type and size", () => {
    expect(formatValue(summary.img)).toBe("image 32×24");
    expect(formatValue(summary.t)).toBe("table 10 rows");
    expect(formatValue({ _type: "incremental-table-file", nrows: 7 })).toBe("table 7 rows");
    expect(formatValue({ _type: "histogram", values: [1], bins: [0, 1] })).toBe("histogram");
  });

  it("in a list read as their count, and long values are cut", () => {
    const img = { _type: "image-file", sha256: "ab", width: 64, height: 64 };
    expect(formatValue([img, img, img])).toBe("3 × image 64×64");
    expect(formatValue([img, { _type: "audio-file", sha256: "cd" }])).toBe("2 media");
    const group = { _type: "images/separated", width: 64, height: 64, format: "png", count: 3, images: [img, img, img] };
    expect(formatValue(group)).toBe("3 × image 64×64");
    const long = formatValue(Array.from({ length: 500 }, (_, i) => i));
    expect(long.length).toBe(201);
    expect(long.endsWith("…")).toBe(true);
  });
});
