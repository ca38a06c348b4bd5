import { describe, expect, it } from "vitest";
import { field, FIELDS, pack, unpackAnswer } from "./packed";

/** A packed answer as the server lays it out (docs/api.md, Packed envelopes). */
function packedAnswer(series: { run: string; key: string; total_points: number; blocks: number[][] }[]): ArrayBuffer {
  const header = {
    x: "_step",
    fields: [...FIELDS],
    series: series.map((s) => ({ run: s.run, key: s.key, kind: "f", total_points: s.total_points, n: s.blocks[0]!.length })),
  };
  let text = JSON.stringify(header);
  while ((12 + text.length) % 8) text += " ";
  const values = series.flatMap((s) => s.blocks.flat());
  const buffer = new ArrayBuffer(12 + text.length + values.length * 8);
  const view = new DataView(buffer);
  new Uint8Array(buffer).set(new TextEncoder().encode("CENV"), 0);
  view.setUint32(4, 1, true);
  view.setUint32(8, text.length, true);
  new Uint8Array(buffer).set(new TextEncoder().encode(text), 12);
  values.forEach((v, i) => view.setFloat64(12 + text.length + i * 8, v, true));
  return buffer;
}

describe("unpackAnswer", () => {
  it("reads each series' fields as views of the answer, equal to the JSON form", () => {
    const blocks = [[0, 5], [4, 9], [1, -Infinity], [3, Infinity], [2, NaN], [3, NaN], [5, 5], [4, 9]];
    const buffer = packedAnswer([
      { run: "a", key: "loss", total_points: 10, blocks },
      { run: "b", key: "loss", total_points: 0, blocks: FIELDS.map(() => []) },
    ]);
    const [a, b] = unpackAnswer(buffer);
    expect(a!.run).toBe("a");
    expect(a!.n).toBe(2);
    expect(a!.totalPoints).toBe(10);
    expect(a!.data.buffer).toBe(buffer);
    const json = pack({
      run: "a", key: "loss", kind: "f", total_points: 10, x: [0, 5], x_last: [4, 9], min: [1, "-Infinity"],
      max: [3, "Infinity"], mean: [2, null], last: [3, null], count: [5, 5], step_first: [0, 5], step_last: [4, 9],
    });
    for (const name of FIELDS) expect(Array.from(field(a!, name))).toEqual(Array.from(field(json, name)));
    expect(b!.n).toBe(0);
  });

  it("refuses what is not a packed answer", () => {
    expect(() => unpackAnswer(new ArrayBuffer(4))).toThrow(/not a packed/);
    const wrong = packedAnswer([{ run: "a", key: "k", total_points: 1, blocks: FIELDS.map(() => [1]) }]);
    new DataView(wrong).setUint32(4, 9, true);
    expect(() => unpackAnswer(wrong)).toThrow(/version 9/);
  });
});
