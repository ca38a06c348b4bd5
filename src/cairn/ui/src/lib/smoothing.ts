/** TensorBoard's smoothing: an exponential moving average, debiased so that the first
 * points are not pulled towards zero. Non-finite values pass through unsmoothed and do not
 * disturb the average (a NaN gap stays a gap, an infinite spike stays visible). */
export function debiasedEma(
  values: Float64Array,
  len: number,
  weight: number,
  out?: Float64Array,
  /** Points in each value's bucket (a bucket's value is their mean): the average moves as
   * if it had met every point, so the smoothing reads the same at every zoom level, not
   * one step per bucket (which smooths over ten times more points when ten share a
   * bucket). Without counts every value is one point: TensorBoard's smoothing exactly. */
  counts?: Float64Array | null,
): Float64Array {
  const result = out && out.length >= len ? out : new Float64Array(len);
  if (weight <= 0) {
    result.set(values.subarray(0, len));
    return result;
  }
  let last = 0;
  // weight^(points met so far): the debiasing divides by 1 - this.
  let decay = 1;
  for (let i = 0; i < len; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      result[i] = v;
      continue;
    }
    const c = counts ? Math.max(1, counts[i]!) : 1;
    const w = c === 1 ? weight : Math.pow(weight, c);
    last = last * w + (1 - w) * v;
    decay *= w;
    result[i] = last / (1 - decay);
  }
  return result;
}

/** The mean of the points in the x window `(x - width, x]` at each point, each value
 * weighted by the points behind it (`counts`, a bucket's size), so the line reads the same
 * at every zoom level. Non-finite values pass through and are left out of the means. */
export function runningAverage(
  xs: Float64Array,
  values: Float64Array,
  len: number,
  width: number,
  counts?: Float64Array | null,
): Float64Array {
  const out = new Float64Array(len);
  let sum = 0;
  let weight = 0;
  let start = 0;
  for (let i = 0; i < len; i++) {
    const v = values[i]!;
    const c = counts ? Math.max(1, counts[i]!) : 1;
    if (Number.isFinite(v)) {
      sum += v * c;
      weight += c;
    }
    while (start < i && xs[start]! <= xs[i]! - width) {
      const u = values[start]!;
      if (Number.isFinite(u)) {
        const cu = counts ? Math.max(1, counts[start]!) : 1;
        sum -= u * cu;
        weight -= cu;
      }
      start++;
    }
    out[i] = Number.isFinite(v) && weight > 0 ? sum / weight : v;
  }
  return out;
}

/** A Gaussian kernel over x distance (`sigma` in x units, cut at 3 sigma), each value
 * weighted by its points (`counts`): zoom-independent, like the running average. */
export function gaussianSmooth(
  xs: Float64Array,
  values: Float64Array,
  len: number,
  sigma: number,
  counts?: Float64Array | null,
): Float64Array {
  const out = new Float64Array(len);
  if (!(sigma > 0)) {
    out.set(values.subarray(0, len));
    return out;
  }
  const reach = 3 * sigma;
  const inv = 1 / (2 * sigma * sigma);
  let lo = 0;
  for (let i = 0; i < len; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    const x = xs[i]!;
    while (lo < i && xs[lo]! < x - reach) lo++;
    let sum = 0;
    let weight = 0;
    for (let j = lo; j < len && xs[j]! <= x + reach; j++) {
      const u = values[j]!;
      if (!Number.isFinite(u)) continue;
      const d = xs[j]! - x;
      const w = Math.exp(-d * d * inv) * (counts ? Math.max(1, counts[j]!) : 1);
      sum += u * w;
      weight += w;
    }
    out[i] = weight > 0 ? sum / weight : v;
  }
  return out;
}
