import { describe, expect, it } from "vitest";
import { innerMap } from "../../src/model/inner-map.js";

describe("innerMap", () => {
  it("creates the inner map on first use and returns that same map afterwards", () => {
    const outer = new Map<number, Map<string, string>>();
    const first = innerMap(outer, 7);
    expect(first.size).toBe(0);
    expect(outer.get(7)).toBe(first);
    first.set("a", "x");
    expect(innerMap(outer, 7)).toBe(first);
    expect(innerMap(outer, 7).get("a")).toBe("x");
    expect(innerMap(outer, 8)).not.toBe(first);
    expect([...outer.keys()]).toEqual([7, 8]);
  });
});
