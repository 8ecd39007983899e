/**
 * The few pieces of Python semantics the certificate_transfer ports depend on, so that their
 * databag parsing, written values and log texts match the upstream library byte for byte:
 *
 * - `pyJsonLoads`: `json.loads` (NaN/Infinity literals, int vs float, the 4300-digit integer
 *   limit, a nesting limit standing in for Python's recursion limit);
 * - `pyJsonDumps`: `json.dumps` with its defaults (`", "` / `": "` separators, ASCII-only output);
 * - `pyStrRepr`, `pyDictRepr`, `pyTupleRepr`: `repr()` of str, str->str dicts and str tuples,
 *   as they appear in upstream log messages;
 * - `compareCodePoints`: Python's `sorted()` order for str (code points, not UTF-16 units).
 */

import { BoundedCache } from "../../model/bounded-cache.js";

/** A value as Python's `json.loads` returns it: ints are bigints, floats are numbers. */
export type PyJson = null | boolean | string | bigint | number | PyJson[] | Map<string, PyJson>;

/**
 * Python `json.JSONDecodeError`: the text is not JSON. Upstream catches this one: v0's
 * `_load_relation_data` tries every value of a bag and keeps those that do not parse (a PEM, say)
 * as they are, so one is raised for most values it reads. No stack trace is captured: nothing
 * reads it, and capturing it cost more than the parse.
 */
export class JsonDecodeError extends Error {
  declare readonly reason: string;
  declare readonly position: number;
  constructor(reason: string, position: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(`${reason}: char ${position}`);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.reason = reason;
    this.position = position;
  }
}
JsonDecodeError.prototype.name = "JsonDecodeError";

/**
 * An integer literal longer than Python's default `int` conversion limit (4300 digits). Python
 * raises a plain `ValueError` there, which the upstream libraries do not catch, so it escapes
 * them and fails the hook.
 */
export class JsonIntegerLimitError extends Error {
  override name = "ValueError";
}

/**
 * JSON nested deeper than Python's recursion limit lets `json.loads` go. Python raises
 * `RecursionError`, which the upstream libraries do not catch. The exact depth depends on the
 * interpreter and the stack already in use; the port uses JSON_MAX_DEPTH (an approximation, see
 * JSON_DEPTH_UNCERTAIN).
 */
export class JsonNestingLimitError extends Error {
  override name = "RecursionError";
}

/** Python's default `sys.get_int_max_str_digits()`. */
export const PY_INT_MAX_STR_DIGITS = 4300;
/**
 * Nesting depth (arrays and objects) beyond which `pyJsonLoads` throws JsonNestingLimitError: the
 * port fails from 1,001 levels. This approximates Python, where the limit is the interpreter's
 * recursion limit (1,000 frames) minus the frames already in use at the call, so it moves with
 * the call stack: the upstream v1 library fails from about 980 levels in a relation-changed hook
 * under Scenario. Depths in JSON_DEPTH_UNCERTAIN may go either way upstream; the fuzz generators
 * stay clear of them so that no finding rests on this approximation.
 */
export const JSON_MAX_DEPTH = 1000;

/** Nesting depths where the port and upstream may disagree (see JSON_MAX_DEPTH). */
export const JSON_DEPTH_UNCERTAIN: Readonly<{ min: number; max: number }> = Object.freeze({
  min: 950,
  max: 1050,
});

/** Deepest nesting of JSON arrays/objects in a text (brackets inside strings ignored). */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") max = Math.max(max, ++depth);
    else if (c === "]" || c === "}") depth = Math.max(0, depth - 1);
  }
  return max;
}

const NUMBER = /(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
/** The next character inside a JSON string that is not copied as is. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
const STRING_SPECIAL = /["\\\x00-\x1f]/g;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

class JsonParser {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): PyJson {
    if (this.s.charCodeAt(0) === 0xfeff) {
      throw new JsonDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    }
    this.ws();
    const value = this.value(0);
    this.ws();
    if (this.i !== this.s.length) throw new JsonDecodeError("Extra data", this.i);
    return value;
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i += 1;
    }
  }

  private startsWith(word: string): boolean {
    return this.s.startsWith(word, this.i);
  }

  private value(depth: number): PyJson {
    const s = this.s;
    const c = s[this.i];
    if (c === '"') return this.string();
    if (c === "{") return this.object(depth + 1);
    if (c === "[") return this.array(depth + 1);
    if (c === "n" && this.startsWith("null")) return this.literal(4, null);
    if (c === "t" && this.startsWith("true")) return this.literal(4, true);
    if (c === "f" && this.startsWith("false")) return this.literal(5, false);
    if (c === "N" && this.startsWith("NaN")) return this.literal(3, Number.NaN);
    if (c === "I" && this.startsWith("Infinity")) return this.literal(8, Number.POSITIVE_INFINITY);
    if (c === "-" && this.startsWith("-Infinity")) return this.literal(9, Number.NEGATIVE_INFINITY);
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(s);
    if (!m) throw new JsonDecodeError("Expecting value", this.i);
    this.i = NUMBER.lastIndex;
    const [text, int, frac, exp] = m;
    if (frac === undefined && exp === undefined) {
      const digits = int!.startsWith("-") ? int!.length - 1 : int!.length;
      if (digits > PY_INT_MAX_STR_DIGITS) {
        throw new JsonIntegerLimitError(
          `Exceeds the limit (${PY_INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
        );
      }
      return BigInt(int!);
    }
    return Number(text);
  }

  private literal(length: number, value: PyJson): PyJson {
    this.i += length;
    return value;
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    this.i += 1;
    let out = "";
    for (;;) {
      STRING_SPECIAL.lastIndex = this.i;
      const found = STRING_SPECIAL.exec(s);
      if (!found) throw new JsonDecodeError("Unterminated string starting at", start);
      out += s.slice(this.i, found.index);
      this.i = found.index;
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i += 1;
        return out;
      }
      if (c < 0x20) throw new JsonDecodeError("Invalid control character at", this.i);
      const esc = s[this.i + 1];
      if (esc === undefined) throw new JsonDecodeError("Unterminated string starting at", start);
      const simple = SIMPLE_ESCAPES[esc];
      if (simple !== undefined) {
        out += simple;
        this.i += 2;
        continue;
      }
      if (esc !== "u") throw new JsonDecodeError("Invalid \\escape", this.i);
      const unit = this.hex4(this.i + 2);
      this.i += 6;
      if (unit >= 0xd800 && unit <= 0xdbff && s.startsWith("\\u", this.i)) {
        const low = this.hex4(this.i + 2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          out += String.fromCharCode(unit, low);
          this.i += 6;
          continue;
        }
      }
      out += String.fromCharCode(unit);
    }
  }

  private hex4(at: number): number {
    const text = this.s.slice(at, at + 4);
    if (!HEX4.test(text)) throw new JsonDecodeError("Invalid \\uXXXX escape", at - 1);
    return Number.parseInt(text, 16);
  }

  private checkDepth(depth: number): void {
    if (depth > JSON_MAX_DEPTH) {
      throw new JsonNestingLimitError(
        "maximum recursion depth exceeded while decoding a JSON document",
      );
    }
  }

  private array(depth: number): PyJson[] {
    this.checkDepth(depth);
    const out: PyJson[] = [];
    this.i += 1;
    this.ws();
    if (this.s[this.i] === "]") {
      this.i += 1;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth));
      this.ws();
      const c = this.s[this.i];
      if (c === "]") {
        this.i += 1;
        return out;
      }
      if (c !== ",") throw new JsonDecodeError("Expecting ',' delimiter", this.i);
      this.i += 1;
      this.ws();
      if (this.s[this.i] === "]") throw new JsonDecodeError("Illegal trailing comma", this.i);
    }
  }

  private object(depth: number): Map<string, PyJson> {
    this.checkDepth(depth);
    const out = new Map<string, PyJson>();
    this.i += 1;
    this.ws();
    if (this.s[this.i] === "}") {
      this.i += 1;
      return out;
    }
    for (;;) {
      if (this.s[this.i] !== '"') {
        throw new JsonDecodeError("Expecting property name enclosed in double quotes", this.i);
      }
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ":") throw new JsonDecodeError("Expecting ':' delimiter", this.i);
      this.i += 1;
      this.ws();
      out.set(key, this.value(depth));
      this.ws();
      const c = this.s[this.i];
      if (c === "}") {
        this.i += 1;
        return out;
      }
      if (c !== ",") throw new JsonDecodeError("Expecting ',' delimiter", this.i);
      this.i += 1;
      this.ws();
    }
  }
}

/**
 * Python's `json.loads(text)`. Throws JsonDecodeError for text that is not JSON (what upstream
 * catches), JsonIntegerLimitError and JsonNestingLimitError where Python raises errors that
 * upstream does not catch.
 */
export function pyJsonLoads(text: string): PyJson {
  if (text.length < 32) return new JsonParser(text).document();
  // Databag values are immutable and read again and again (every requirer unit parses the same
  // provider bag on every hook), so parses of longer texts are memoised. Callers never mutate
  // what this returns (zod and the decoders only read it).
  const hit = parseCache.get(text);
  if (hit !== undefined) return hit;
  const value = new JsonParser(text).document();
  parseCache.set(text, value);
  return value;
}

/**
 * The memos of this module hold a few dozen entries: what is read again is read within a hook or
 * a few (a model's handful of certificates and bag texts), and an entry never read again should
 * be dropped before the collector moves it out of the young generation. With hundreds of entries,
 * a test whose certificates differ every run kept each parse long enough to be copied and
 * promoted (see docs/performance.md: 64 against 512-4,096 entries).
 */
export const MEMO_ENTRIES = 64;

const parseCache = new BoundedCache<PyJson>(MEMO_ENTRIES);

/** Values the ports write with `json.dumps`. */
export type PyDumpValue = null | boolean | string | number | readonly PyDumpValue[];

const DUMP_SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A JSON string literal as Python writes it with ensure_ascii (per UTF-16 unit). */
function dumpString(s: string): string {
  // Providers write the same certificates hook after hook: literals of longer strings are kept.
  if (s.length >= 64) {
    const hit = dumpCache.get(s);
    if (hit !== undefined) return hit;
  }
  const body = s.replace(
    /[^\x20-\x7e]|["\\]/g,
    (ch) => DUMP_SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const literal = `"${body}"`;
  if (s.length >= 64) dumpCache.set(s, literal);
  return literal;
}
const dumpCache = new BoundedCache<string>(MEMO_ENTRIES);

/** Python's `json.dumps(value)` with default options (ASCII output, `", "` separators). */
export function pyJsonDumps(value: PyDumpValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return dumpString(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`pyJsonDumps writes only integers, got ${value}`);
    }
    return String(value);
  }
  return `[${value.map(pyJsonDumps).join(", ")}]`;
}

/** Characters repr() escapes, for each choice of quote (space is the one printable Zs). */
const NEEDS_ESCAPE = {
  "'": /['\\]|(?! )[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu,
  '"': /["\\]|(?! )[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu,
} as const;

function escapeForRepr(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (ch === "'" || ch === '"' || ch === "\\") return `\\${ch}`;
  if (ch === "\t") return "\\t";
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

/** Python's `repr(s)` for a str. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  return quote + s.replace(NEEDS_ESCAPE[quote], escapeForRepr) + quote;
}

/** Python's `repr()` of a str->str dict (e.g. a databag), keys in the given order. */
export function pyDictRepr(entries: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(`${pyStrRepr(k)}: ${pyStrRepr(v)}`);
  return `{${parts.join(", ")}}`;
}

/** Python's `repr()` of a tuple of str (a 1-tuple keeps its trailing comma). */
export function pyTupleRepr(items: readonly string[]): string {
  const parts = items.map(pyStrRepr);
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(", ")})`;
}

/** Orders strings as Python's `sorted()` does: by code point. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  if (a.length === b.length) return 0;
  return i < a.length ? 1 : -1;
}

/** Code units at or above U+D800: only these can order differently by code point. */
const HIGH_CODE_UNIT = /[\uD800-\uFFFF]/;

const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Whether `s` has no code unit from U+D800 up; kept for long strings (certificates are sorted
 * again and again, and scanning them costs more than the sort).
 */
function lowCodeUnitsOnly(s: string): boolean {
  if (s.length < 64) return !HIGH_CODE_UNIT.test(s);
  let low = lowCodeUnitStrings.get(s);
  if (low === undefined) {
    low = !HIGH_CODE_UNIT.test(s);
    lowCodeUnitStrings.set(s, low);
  }
  return low;
}
const lowCodeUnitStrings = new BoundedCache<boolean>(MEMO_ENTRIES);

/** Sorted copy, in Python's `sorted()` order. */
export function sortedCodePoints(items: Iterable<string>): string[] {
  const out = [...items];
  if (out.length < 2) return out;
  // Without surrogates or code units from U+E000 up, code-unit order (JavaScript's native
  // string comparison) is code-point order, and much cheaper.
  const native = out.every(lowCodeUnitsOnly);
  return out.sort(native ? compareCodeUnits : compareCodePoints);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False when the string holds a lone surrogate (which pydantic's JSON parser rejects). */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
