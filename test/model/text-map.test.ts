import { describe, expect, it } from "vitest";
import { LONG_KEY, MAX_COMPARES, TextMap, textFingerprint } from "../../src/model/text-map.js";

/** A long key built anew each call (a different string object with the same text). */
const long = (tag: string, length = LONG_KEY + 50) =>
  `${tag}:`.padEnd(length, "x").split("").join("");

describe("TextMap", () => {
  it("finds long keys by text, whatever string object asks", () => {
    const map = new TextMap<number>();
    map.set(long("a"), 1);
    map.set("short", 2);
    expect(map.get(long("a"))).toBe(1);
    expect(map.has(long("a"))).toBe(true);
    expect(map.get("short")).toBe(2);
    expect(map.get(long("b"))).toBeUndefined();
    expect(map.has(long("b"))).toBe(false);
    expect(map.size).toBe(2);
  });

  it("keeps apart long keys that share a fingerprint", () => {
    // Same length and the same sampled characters: only a character between samples differs.
    const base = "y".repeat(LONG_KEY * 4);
    const a = `${base.slice(0, 1)}A${base.slice(2)}`;
    const b = `${base.slice(0, 1)}B${base.slice(2)}`;
    expect(textFingerprint(a)).toBe(textFingerprint(b));
    const map = new TextMap<string>();
    map.set(a, "a");
    map.set(b, "b");
    map.set(a, "a2");
    expect([map.get(a), map.get(b), map.size]).toEqual(["a2", "b", 2]);
    expect(map.delete(a)).toBe(true);
    expect(map.delete(a)).toBe(false);
    expect([map.get(a), map.get(b), map.size]).toEqual([undefined, "b", 1]);
    expect(map.delete(b)).toBe(true);
    expect(map.size).toBe(0);
  });

  it("samples the first and the last character and characters between", () => {
    const base = "z".repeat(LONG_KEY * 2);
    const at = (i: number) => `${base.slice(0, i)}A${base.slice(i + 1)}`;
    expect(textFingerprint(at(0))).not.toBe(textFingerprint(base));
    expect(textFingerprint(at(base.length - 1))).not.toBe(textFingerprint(base));
    expect(textFingerprint(at(Math.floor((base.length - 1) / 2)))).not.toBe(textFingerprint(base));
    expect(textFingerprint(`${base}z`)).not.toBe(textFingerprint(base));
  });

  it("keeps and finds many keys of one fingerprint, past the compares it makes before hashing", () => {
    const base = "q".repeat(LONG_KEY * 4);
    // Each key differs from the others at index 1 only, which no sample reads.
    const keys = Array.from(
      { length: MAX_COMPARES * 3 },
      (_, i) => `${base.slice(0, 1)}${String.fromCharCode(0x100 + i)}${base.slice(2)}`,
    );
    expect(new Set(keys.map(textFingerprint)).size).toBe(1);
    const map = new TextMap<number>();
    for (const [i, k] of keys.entries()) map.set(k, i);
    map.set(keys[0] as string, -1);
    expect(map.size).toBe(keys.length);
    expect(keys.map((k) => map.get(`${k}`.split("").join("")))).toEqual(
      keys.map((_, i) => (i === 0 ? -1 : i)),
    );
    expect(map.has(keys[5] as string)).toBe(true);
    for (const k of keys) expect(map.delete(k)).toBe(true);
    expect([map.size, map.has(keys[5] as string), map.delete(keys[5] as string)]).toEqual([
      0,
      false,
      false,
    ]);
  });

  it("deletes short keys and answers for missing ones", () => {
    const map = new TextMap<number>();
    map.set("k", 1);
    expect(map.delete("k")).toBe(true);
    expect(map.delete("k")).toBe(false);
    expect(map.has("k")).toBe(false);
    expect(map.size).toBe(0);
  });
});
