/** Envelopes as typed arrays: one Float64Array per series, which a worker can hand over
 * without copying. Layout: FIELDS.length blocks of n values each. They come from the
 * server's packed answer (`unpackAnswer`, the same layout: views, no parsing) or from JSON
 * series (numbers, null for NaN, "Infinity" strings) unpacked value by value (`pack`). */
import type { WireEnvelope } from "../api/types";
import { wireNumber } from "../api/values";

export const FIELDS = ["x", "x_last", "min", "max", "mean", "last", "count", "step_last"] as const;

export interface PackedSeries {
  run: string;
  key: string;
  totalPoints: number;
  n: number;
  data: Float64Array;
}

/** The media type of the packed answer (docs/api.md, Packed envelopes). */
export const PACKED_TYPE = "application/vnd.cairn.envelopes";

const MAGIC = 0x564e4543; // "CENV", little-endian

interface PackedHeader {
  x: string;
  fields: string[];
  series: { run: string; key: string; total_points: number; n: number }[];
}

/** The series of a packed answer: a 12-byte prefix (magic, version, header length), a JSON
 * header, then float64 blocks, 8-aligned, in the header's field order. */
export function unpackAnswer(buffer: ArrayBuffer): PackedSeries[] {
  const view = new DataView(buffer);
  if (buffer.byteLength < 12 || view.getUint32(0, true) !== MAGIC) throw new Error("not a packed envelopes answer");
  const version = view.getUint32(4, true);
  if (version !== 1) throw new Error(`packed envelopes version ${version} is unknown to this app`);
  const size = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 12, size))) as PackedHeader;
  if (header.fields.join() !== FIELDS.join()) throw new Error(`packed envelopes fields ${header.fields.join()} differ`);
  let at = 12 + size;
  return header.series.map((s) => {
    const length = s.n * FIELDS.length;
    const data = new Float64Array(buffer, at, length);
    at += length * 8;
    return { run: s.run, key: s.key, totalPoints: s.total_points, n: s.n, data };
  });
}

export function pack(env: WireEnvelope): PackedSeries {
  const n = env.count.length;
  const data = new Float64Array(n * FIELDS.length);
  FIELDS.forEach((field, f) => {
    const values = env[field];
    const base = f * n;
    for (let i = 0; i < n; i++) data[base + i] = wireNumber(values[i]);
  });
  return { run: env.run, key: env.key, totalPoints: env.total_points, n, data };
}

export function field(p: PackedSeries, name: (typeof FIELDS)[number]): Float64Array {
  const f = FIELDS.indexOf(name);
  return p.data.subarray(f * p.n, (f + 1) * p.n);
}
