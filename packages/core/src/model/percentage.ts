/**
 * Integer percentage of `done` out of `total`: rounded, but never 100 before every record is
 * done (the published `Math.round` read 100 at 199 of 200) and 0 when `total` is 0.
 */
export function donePercentage(done: number, total: number): number {
  if (total <= 0) return 0;
  const rounded = Math.round((done / total) * 100);
  return done < total ? Math.min(99, rounded) : Math.min(100, rounded);
}
