/**
 * The most of `times` (epoch ms, any order) that fall within one half-open span
 * [x, x + spanMs), over every x: how a rate "exact over any one-second span" is checked.
 */
export function mostInSpan(times: readonly number[], spanMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[first]! <= sorted[last]! - spanMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
