/** Strings kept in Juju's order (plain string sort, so `app/10` < `app/2`), smallest first out. */
export class SortedStringSet {
  // Kept in descending order so that the smallest element pops from the end in O(1).
  private readonly items: string[] = [];

  get size(): number {
    return this.items.length;
  }

  private indexOf(value: string): { found: boolean; index: number } {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.items[mid] as string;
      if (v === value) return { found: true, index: mid };
      if (v > value) lo = mid + 1;
      else hi = mid;
    }
    return { found: false, index: lo };
  }

  has(value: string): boolean {
    return this.indexOf(value).found;
  }

  add(value: string): void {
    const { found, index } = this.indexOf(value);
    if (!found) this.items.splice(index, 0, value);
  }

  delete(value: string): boolean {
    const { found, index } = this.indexOf(value);
    if (found) this.items.splice(index, 1);
    return found;
  }

  /** The smallest element, or undefined. */
  min(): string | undefined {
    return this.items[this.items.length - 1];
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Ascending order. */
  values(): string[] {
    return [...this.items].reverse();
  }
}

/** FNV-1a 32-bit hash of a unit name; sets of units are digested by XOR of these. */
export function unitDigest(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Order-independent digest of a set of unit names. */
export function unitSetDigest(names: Iterable<string>): number {
  let h = 0;
  for (const n of names) h ^= unitDigest(n);
  return h >>> 0;
}
