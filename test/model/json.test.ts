import { describe, expect, it } from "vitest";
import { copyJson, copyJsonFrozen, deepFreeze, isJsonValue } from "../../src/model/json.js";

describe("copyJson", () => {
  it("copies objects and arrays, shares strings, drops undefined keys", () => {
    const input = { a: [1, "x", { b: null, c: true }], d: undefined, e: {} };
    const out = copyJson(input) as Record<string, unknown>;
    expect(out).toEqual({ a: [1, "x", { b: null, c: true }], e: {} });
    expect("d" in out).toBe(false);
    expect(out).not.toBe(input);
    expect(out.a).not.toBe(input.a);
    (out.a as unknown[]).push(2);
    expect(input.a).toHaveLength(3);
  });

  it.each([
    [{ a: [1, new Set([1])] }, "state.a[1] is a Set, which is not JSON"],
    [{ a: { b: Number.NaN } }, "state.a.b is NaN, which is not JSON"],
    [[() => 1], "state[0] is a function, which is not JSON"],
    [{ a: 1n }, "state.a is a bigint, which is not JSON"],
  ])("names the path of the first non-JSON value (%#)", (value, message) => {
    expect(() => copyJson(value, "state")).toThrow(new TypeError(message));
  });
});

describe("copyJson with a lazily named path", () => {
  it("calls the path function only to report an error", () => {
    let calls = 0;
    const path = () => {
      calls += 1;
      return "stored";
    };
    expect(copyJson({ a: [1] }, path)).toEqual({ a: [1] });
    expect(calls).toBe(0);
    expect(() => copyJson({ a: [Number.NaN] }, path)).toThrow(
      new TypeError("stored.a[0] is NaN, which is not JSON"),
    );
    expect(calls).toBe(1);
  });
});

describe("copyJsonFrozen", () => {
  it("copies like copyJson and freezes every object and array of the copy, not of the input", () => {
    const input = { a: [1, "x", { b: null, c: [true] }], d: undefined, e: {} };
    const out = copyJsonFrozen(input) as { a: [number, string, { c: boolean[] }]; e: object };
    expect(out).toEqual(copyJson(input));
    expect("d" in out).toBe(false);
    expect([out, out.a, out.a[2], out.a[2].c, out.e].map(Object.isFrozen)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([input, input.a, input.a[2], input.e].map(Object.isFrozen)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(copyJsonFrozen("text")).toBe("text");
  });

  it("names the path of the first non-JSON value, building the path only then", () => {
    let calls = 0;
    const path = () => {
      calls += 1;
      return "stored";
    };
    copyJsonFrozen({ a: [1] }, path);
    expect(calls).toBe(0);
    expect(() => copyJsonFrozen({ a: [1, { b: Number.NaN }] }, path)).toThrow(
      new TypeError("stored.a[1].b is NaN, which is not JSON"),
    );
    expect(calls).toBe(1);
    expect(() => copyJsonFrozen(new Map())).toThrow(
      new TypeError("value is a Map, which is not JSON"),
    );
  });
});

describe("isJsonValue and deepFreeze", () => {
  it("tells JSON from non-JSON values", () => {
    expect(isJsonValue({ a: [1, "b", null, false] })).toBe(true);
    expect(isJsonValue({ a: Number.POSITIVE_INFINITY })).toBe(false);
    expect(isJsonValue(new Map())).toBe(false);
    expect(isJsonValue([undefined])).toBe(false);
  });

  it("freezes nested values", () => {
    const v = deepFreeze({ a: { b: [1] } });
    expect(Object.isFrozen(v.a.b)).toBe(true);
    expect(() => {
      (v.a.b as number[]).push(2);
    }).toThrow(TypeError);
  });
});
