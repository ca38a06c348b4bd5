/** TensorBoard's smoothing: an exponential moving average, debiased so that the first
 * points are not pulled towards zero. Non-finite values pass through unsmoothed and do not
 * disturb the average (a NaN gap stays a gap, an infinite spike stays visible). */
export function debiasedEma(values: Float64Array, len: number, weight: number, out?: Float64Array): Float64Array {
  const result = out && out.length >= len ? out : new Float64Array(len);
  if (weight <= 0) {
    result.set(values.subarray(0, len));
    return result;
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      result[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    result[i] = last / (1 - Math.pow(weight, n));
  }
  return result;
}
