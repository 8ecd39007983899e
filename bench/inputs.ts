/** Inputs the benchmarks build the way a user's test or a campaign does. */

/**
 * Certificate lists that differ from run to run: the `i`th is an ordered choice of three distinct
 * certificates of `pems` (26 fixture certificates give 15,600 such lists), so that no list, and no
 * JSON text of one, repeats within that many runs.
 */
export function coldCertificates(pems: readonly string[], i: number): string[] {
  const n = pems.length;
  const a = i % n;
  const b = (a + 1 + (Math.floor(i / n) % (n - 1))) % n;
  let c = (b + 1 + (Math.floor(i / (n * (n - 1))) % (n - 2))) % n;
  if (c === a) c = (c + 1) % n;
  return [pems[a], pems[b], pems[c]] as string[];
}
