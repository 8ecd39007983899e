import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../src/model/bounded-cache.js";

describe("BoundedCache", () => {
  it("keeps at most `limit` entries, dropping the oldest first", () => {
    const cache = new BoundedCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.size).toBe(2);
    expect(cache.get("a")).toBeUndefined();
    expect([cache.get("b"), cache.get("c")]).toEqual([2, 3]);
  });

  it("setting a key it holds replaces the value and drops nothing", () => {
    const cache = new BoundedCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 10);
    expect(cache.size).toBe(2);
    expect([cache.get("a"), cache.get("b")]).toEqual([10, 2]);
  });
});

describe("BoundedCache with long keys", () => {
  const key = (i: number) => `${"-".repeat(300)}${i}`.split("").join(""); // a new string each call

  it("drops the oldest first, long and short keys in one order", () => {
    const cache = new BoundedCache<number>(3);
    cache.set(key(1), 1);
    cache.set("s", 2);
    cache.set(key(2), 3);
    cache.set(key(1), 10); // held: replaced, keeps its place
    cache.set(key(3), 4); // drops key(1), the oldest
    cache.set("t", 5); // drops "s"
    expect(cache.size).toBe(3);
    expect([cache.get(key(1)), cache.get("s")]).toEqual([undefined, undefined]);
    expect([cache.get(key(2)), cache.get(key(3)), cache.get("t")]).toEqual([3, 4, 5]);
    for (let i = 10; i < 20; i++) cache.set(key(i), i);
    expect(cache.size).toBe(3);
    expect([17, 18, 19].map((i) => cache.get(key(i)))).toEqual([17, 18, 19]);
  });

  it("holds nothing with a limit of 0", () => {
    const cache = new BoundedCache<number>(0);
    cache.set("a", 1);
    cache.set(key(1), 1);
    expect([cache.size, cache.get("a"), cache.get(key(1))]).toEqual([0, undefined, undefined]);
  });
});
