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
