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
