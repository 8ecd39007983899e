/**
 * A map keyed by strings that does not hash long keys.
 *
 * A JavaScript Map hashes a string key over all its characters the first time the string is
 * looked up (V8 then keeps the hash in the string). Memo tables keyed by databag values see
 * kilobytes of PEMs, and a test or a campaign that builds its input anew hands them a new string
 * every run: each look-up then hashes the whole text (about 6 µs for 3.4 kB on the project's
 * machine) only to miss. Here a key of `LONG_KEY` characters or more is filed under a fingerprint
 * (its length and 17 characters spread over it, the first and the last among them) and found by
 * comparing it with the keys filed there, a memory compare that stops at the first difference.
 * Keys that differ only between the sampled characters share a fingerprint: past `MAX_COMPARES`
 * of them, their bucket becomes a Map and hashes, as a plain Map would. Shorter keys go to a Map.
 */
export const LONG_KEY = 256;
export const MAX_COMPARES = 8;
const SAMPLES = 16;

/** The length and SAMPLES + 1 characters spread evenly over `s` (first and last included), mixed. */
export function textFingerprint(s: string): number {
  const last = s.length - 1;
  let h = Math.imul(s.length, 0x9e3779b1);
  for (let k = 0; k <= SAMPLES; k++) {
    h = Math.imul(h ^ s.charCodeAt(Math.floor((k * last) / SAMPLES)), 0x01000193);
  }
  return h >>> 0;
}

interface LongEntry<V> {
  readonly key: string;
  value: V;
}

/** The long keys of one fingerprint: compared one by one while few, then hashed. */
type Bucket<V> = LongEntry<V>[] | Map<string, V>;

export class TextMap<V> {
  readonly #short = new Map<string, V>();
  readonly #long = new Map<number, Bucket<V>>();
  #longCount = 0;

  get size(): number {
    return this.#short.size + this.#longCount;
  }

  get(key: string): V | undefined {
    if (key.length < LONG_KEY) return this.#short.get(key);
    const bucket = this.#long.get(textFingerprint(key));
    if (bucket === undefined) return undefined;
    if (bucket instanceof Map) return bucket.get(key);
    for (let i = 0; i < bucket.length; i++) {
      const entry = bucket[i] as LongEntry<V>;
      if (entry.key === key) return entry.value;
    }
    return undefined;
  }

  has(key: string): boolean {
    if (key.length < LONG_KEY) return this.#short.has(key);
    const bucket = this.#long.get(textFingerprint(key));
    if (bucket === undefined) return false;
    return bucket instanceof Map ? bucket.has(key) : bucket.some((e) => e.key === key);
  }

  set(key: string, value: V): void {
    if (key.length < LONG_KEY) {
      this.#short.set(key, value);
      return;
    }
    const fp = textFingerprint(key);
    const bucket = this.#long.get(fp);
    if (bucket === undefined) {
      this.#long.set(fp, [{ key, value }]);
      this.#longCount += 1;
      return;
    }
    if (bucket instanceof Map) {
      if (!bucket.has(key)) this.#longCount += 1;
      bucket.set(key, value);
      return;
    }
    for (const entry of bucket) {
      if (entry.key === key) {
        entry.value = value;
        return;
      }
    }
    this.#longCount += 1;
    if (bucket.length < MAX_COMPARES) {
      bucket.push({ key, value });
      return;
    }
    const hashed = new Map(bucket.map((e) => [e.key, e.value] as const));
    hashed.set(key, value);
    this.#long.set(fp, hashed);
  }

  delete(key: string): boolean {
    if (key.length < LONG_KEY) return this.#short.delete(key);
    const fp = textFingerprint(key);
    const bucket = this.#long.get(fp);
    if (bucket === undefined) return false;
    if (bucket instanceof Map) {
      if (!bucket.delete(key)) return false;
      if (bucket.size === 0) this.#long.delete(fp);
    } else {
      const i = bucket.findIndex((e) => e.key === key);
      if (i < 0) return false;
      if (bucket.length === 1) this.#long.delete(fp);
      else bucket.splice(i, 1);
    }
    this.#longCount -= 1;
    return true;
  }
}
