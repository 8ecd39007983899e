import { TextMap } from "./text-map.js";

/**
 * A small insertion-ordered memo with a size bound: when full, the oldest entry makes room.
 * Hot paths ask about the same few certificates and databag values over and over; the bound
 * keeps long fuzzing runs from growing memory. Long keys are not hashed (see TextMap): a key
 * built anew for every run costs a compare, not a hash of kilobytes.
 */
export class BoundedCache<V> {
  readonly #entries = new TextMap<V>();
  /** Keys in insertion order, as a ring once full: `#order[#oldest]` goes first. */
  readonly #order: string[] = [];
  #oldest = 0;

  constructor(readonly limit: number) {}

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.limit <= 0) return;
    if (this.#entries.has(key)) {
      this.#entries.set(key, value);
      return;
    }
    if (this.#order.length < this.limit) {
      this.#order.push(key);
    } else {
      this.#entries.delete(this.#order[this.#oldest] as string);
      this.#order[this.#oldest] = key;
      this.#oldest = (this.#oldest + 1) % this.limit;
    }
    this.#entries.set(key, value);
  }

  get size(): number {
    return this.#entries.size;
  }
}
