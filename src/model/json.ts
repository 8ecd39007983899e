/** JSON values as they travel through snapshots, stored state and traces. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Deep-freezes a plain JSON-like value and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** A structural deep copy of a JSON value (no functions, no cycles). */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** True if `value` survives a JSON round-trip unchanged in shape (used for stored state). */
export function isJsonValue(value: unknown): value is JsonValue {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (Array.isArray(value)) return value.every(isJsonValue);
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      return Object.values(value as Record<string, unknown>).every(isJsonValue);
    default:
      return false;
  }
}

/** Thrown inside the copy when a value is not JSON; the path is worked out only then. */
const NOT_JSON = Symbol("not JSON");

/** The copy of copyJson; with `freeze`, each object and array is frozen as it is built. */
function copyWalk(value: unknown, freeze: boolean): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    throw NOT_JSON;
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyWalk(value[i], freeze);
    return freeze ? (Object.freeze(out) as JsonValue[]) : out;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: JsonValue } = {};
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = copyWalk(v, freeze);
    }
    return freeze ? Object.freeze(out) : out;
  }
  throw NOT_JSON;
}

/** The message naming the path of the first value in `value` that is not JSON, or null. */
function notJsonMessage(value: unknown, path: string): string | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") {
    return Number.isFinite(value) ? null : `${path} is ${value}, which is not JSON`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const m = notJsonMessage(value[i], `${path}[${i}]`);
      if (m !== null) return m;
    }
    return null;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      const m = notJsonMessage(v, `${path}.${key}`);
      if (m !== null) return m;
    }
    return null;
  }
  return `${path} is a ${typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value}, which is not JSON`;
}

/**
 * Copies a JSON value structurally (strings are shared, not copied), throwing a TypeError that
 * names the path of the first value that is not JSON. Cheaper than a JSON round-trip for
 * string-heavy content such as PEM certificates. `path` may be given as a function, called only
 * when there is an error to report.
 */
export function copyJson(value: unknown, path: string | (() => string) = "value"): JsonValue {
  try {
    return copyWalk(value, false);
  } catch (error) {
    throw notJsonError(error, value, path);
  }
}

/**
 * `copyJson`, deep-frozen: for values handed on as immutable (a hook's stored state on its way
 * into a State), built frozen instead of copied and then frozen in a second walk.
 */
export function copyJsonFrozen(
  value: unknown,
  path: string | (() => string) = "value",
): Readonly<JsonValue> {
  try {
    return copyWalk(value, true);
  } catch (error) {
    throw notJsonError(error, value, path);
  }
}

/** What a copy that threw should raise: a TypeError naming the path when the value is not JSON. */
function notJsonError(error: unknown, value: unknown, path: string | (() => string)): unknown {
  if (error !== NOT_JSON) return error;
  const at = typeof path === "string" ? path : path();
  return new TypeError(notJsonMessage(value, at) ?? `${at} is not JSON`);
}
