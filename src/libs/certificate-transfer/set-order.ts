/**
 * Iteration order of a set of strings within one hook.
 *
 * Upstream serialises Python sets, whose iteration order follows string hashes that Python
 * randomises per process: the same set can be written as differently ordered JSON lists by two
 * hooks. `hookSetOrder` models that with a keyed hash: within one hook (one seed) a set always
 * lists in the same order, and an element's position does not depend on how the set was built;
 * across hooks (different seeds) the order changes.
 */
import { compareCodePoints } from "./python.js";

function keyedHash(seed: number, s: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= seed;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The set's elements in the order a Python process seeded with `seed` would iterate them. */
export function hookSetOrder(items: Iterable<string>, seed: number): string[] {
  const keyed = [...new Set(items)].map((s) => ({ s, h: keyedHash(seed >>> 0, s) }));
  keyed.sort((a, b) => (a.h !== b.h ? a.h - b.h : compareCodePoints(a.s, b.s)));
  return keyed.map((k) => k.s);
}
