/**
 * The v1 library's databag models (upstream `DatabagModel` on pydantic) in zod, with its load and
 * dump rules:
 *
 * - load: only the keys the model knows are read; each must parse as JSON, else
 *   DataValidationError "invalid databag contents: expecting json. <bag>" (logged at ERROR);
 *   the parsed values are then validated with pydantic's lax rules, else DataValidationError
 *   "failed to validate databag: <bag>" (logged at DEBUG). Missing optional keys take defaults.
 * - dump: with `clear`, the whole bag is emptied first (foreign keys included); then every field
 *   is written JSON-encoded, defaults included.
 */
import { z } from "zod";
import type { JujuLogger } from "../../harness/ops/framework.js";
import type { RelationDataContent } from "../../harness/ops/model.js";
import { dataValidationError } from "./errors.js";
import {
  isWellFormed,
  JsonDecodeError,
  JsonIntegerLimitError,
  JsonNestingLimitError,
  MEMO_ENTRIES,
  type PyDumpValue,
  type PyJson,
  pyDictRepr,
  pyJsonDumps,
  pyJsonLoads,
} from "./python.js";

/** Anything whose entries can be listed: a databag view, or the empty stand-in. */
export interface BagReader {
  entries(): [string, string][];
}

/** What upstream reads where it falls back to `{}` (e.g. `relation.data.get(unit, {})`). */
export const EMPTY_BAG: BagReader = { entries: () => [] };

export interface DatabagModel<T> {
  /** The keys the model reads; every other key of the bag is ignored. */
  readonly fields: readonly string[];
  /** Validation of the JSON-decoded known keys. */
  readonly schema: z.ZodType<T>;
  /** A copy of a loaded value that the caller may change (loads are cached and shared). */
  readonly copy: (value: T) => T;
}

function defineModel<T>(
  fields: readonly string[],
  schema: z.ZodType<T>,
  copy: (value: T) => T,
): DatabagModel<T> {
  return { fields, schema, copy };
}

/** pydantic's lax str -> int: digits with an optional sign, `.000` or single `_` separators. */
function strAsInt(s: string): number | undefined {
  const t = s.trim();
  if (t.length > 4300) return undefined;
  const plain = /^[+-]?\d+$/;
  if (plain.test(t)) return Number(t);
  const dot = t.indexOf(".");
  if (dot >= 0 && /^0*$/.test(t.slice(dot + 1))) {
    const head = t.slice(0, dot);
    return plain.test(head) ? Number(head) : undefined;
  }
  if (t.includes("_") && !t.startsWith("_") && !t.endsWith("_") && !t.includes("__")) {
    const joined = t.replaceAll("_", "");
    return plain.test(joined) ? Number(joined) : undefined;
  }
  return undefined;
}

const I64_BOUND = 2 ** 63;

/** pydantic's lax `int` validation of a JSON value (ints, integral floats, bools, numeric strings). */
export function pydanticLaxInt(value: unknown): number | undefined {
  switch (typeof value) {
    case "bigint":
      return Number(value);
    case "boolean":
      return value ? 1 : 0;
    case "number":
      if (!Number.isInteger(value) || value <= -I64_BOUND || value >= I64_BOUND) return undefined;
      return value;
    case "string":
      return strAsInt(value);
    default:
      return undefined;
  }
}

/** pydantic `str` from JSON: a JSON string (pydantic's JSON parser rejects lone surrogates). */
const pyStr = z.string().refine(isWellFormed, "string holds a lone surrogate");
/** pydantic `int` in lax mode. */
const laxInt = z
  .unknown()
  .refine((v) => pydanticLaxInt(v) !== undefined, "expected an integer")
  .transform((v) => pydanticLaxInt(v)!);

/** Provider application bag (v1 layout): `certificates` (a set of PEMs), `version` (default 1). */
export const providerApplicationData = defineModel(
  ["certificates", "version"],
  z
    .object({ certificates: z.array(pyStr).optional(), version: laxInt.optional() })
    .transform((d) => ({ certificates: new Set(d.certificates ?? []), version: d.version ?? 1 })),
  (d) => ({ certificates: new Set(d.certificates), version: d.version }),
);
export type ProviderApplicationData = z.output<typeof providerApplicationData.schema>;

/** Provider unit bag written in v0 mode: `ca` and `certificate` required, `chain` optional. */
export const providerUnitDataV0 = defineModel(
  ["ca", "certificate", "chain", "version"],
  z
    .object({
      ca: pyStr,
      certificate: pyStr,
      chain: z.array(pyStr).nullable().optional(),
      version: laxInt.optional(),
    })
    .transform((d) => ({
      ca: d.ca,
      certificate: d.certificate,
      chain: d.chain ?? null,
      version: d.version ?? 0,
    })),
  (d) => ({ ...d, chain: d.chain === null ? null : [...d.chain] }),
);
export type ProviderUnitDataV0 = z.output<typeof providerUnitDataV0.schema>;

/** Requirer application bag: `version` (default 1). */
export const requirerApplicationData = defineModel(
  ["version"],
  z.object({ version: laxInt.optional() }).transform((d) => ({ version: d.version ?? 1 })),
  (d) => ({ ...d }),
);

export interface LoadOptions {
  /**
   * Treat Python's uncaught decoding failures (an integer over 4300 digits, nesting deeper than
   * the recursion limit) as invalid data instead of letting them escape. Off in faithful ports.
   */
  readonly containLimitErrors?: boolean;
}

/** What loading a bag gave: the value, or the failure upstream logs and raises. */
type LoadOutcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly level: "error" | "debug";
      readonly message: string;
      readonly cause: unknown;
    };

/**
 * Outcomes already computed, per model and option, keyed by the bag's entries (key, then raw
 * value, in order): loading is a pure function of them, and the same provider bag is read by
 * every requirer unit on every hook. Raw values are the bag's own string objects, whose hashes
 * V8 keeps, so a hit costs a few map lookups instead of a JSON parse and a schema validation.
 * Errors that escape upstream (the Python limit errors) are not cached: they are rethrown as
 * computed each time.
 */
class OutcomeTrie {
  readonly next = new Map<string, OutcomeTrie>();
  outcome: LoadOutcome | undefined;
  /**
   * The part asked for last and its node. A bag value a test builds afresh for each run is a new
   * string: the map would hash all of it (microseconds for kilobytes of PEMs), where comparing it
   * with the last one is a memory compare.
   */
  private lastPart: string | undefined;
  private lastNode: OutcomeTrie | undefined;
  child(part: string): OutcomeTrie {
    if (part === this.lastPart && this.lastNode !== undefined) return this.lastNode;
    let node = this.next.get(part);
    if (!node) {
      node = new OutcomeTrie();
      this.next.set(part, node);
    }
    this.lastPart = part;
    this.lastNode = node;
    return node;
  }
}
const OUTCOME_CACHE_LIMIT = MEMO_ENTRIES; // bags can be kilobytes of PEMs: this bounds the memory held
/** What computing an outcome needs of a model, whatever its value type. */
interface ModelShape {
  readonly fields: readonly string[];
  readonly schema: z.ZodType<unknown>;
}
const outcomeCaches = new WeakMap<
  ModelShape,
  { contained: OutcomeTrie; faithful: OutcomeTrie; size: number }
>();

function outcomeNode(model: ModelShape, contain: boolean, entries: [string, string][]) {
  let cache = outcomeCaches.get(model);
  if (!cache || cache.size >= OUTCOME_CACHE_LIMIT) {
    cache = { contained: new OutcomeTrie(), faithful: new OutcomeTrie(), size: 0 };
    outcomeCaches.set(model, cache);
  }
  let node = contain ? cache.contained : cache.faithful;
  for (const [key, raw] of entries) node = node.child(key).child(raw);
  return { node, cache };
}

function computeOutcome(
  model: ModelShape,
  entries: [string, string][],
  options: LoadOptions,
): LoadOutcome {
  const data: Record<string, PyJson> = {};
  for (const [key, raw] of entries) {
    if (!model.fields.includes(key)) continue;
    try {
      data[key] = pyJsonLoads(raw);
    } catch (error) {
      const limit =
        error instanceof JsonIntegerLimitError || error instanceof JsonNestingLimitError;
      if (!(error instanceof JsonDecodeError) && !(limit && options.containLimitErrors)) {
        throw error;
      }
      const message = `invalid databag contents: expecting json. ${pyDictRepr(entries)}`;
      return { ok: false, level: "error", message, cause: error };
    }
  }
  const parsed = model.schema.safeParse(data);
  if (!parsed.success) {
    const message = `failed to validate databag: ${pyDictRepr(entries)}`;
    return { ok: false, level: "debug", message, cause: parsed.error };
  }
  return { ok: true, value: parsed.data };
}

/** Loads `model` from `bag`; throws DataValidationError (after logging) as upstream does. */
export function loadModel<T>(
  model: DatabagModel<T>,
  bag: BagReader,
  logger: JujuLogger,
  options: LoadOptions = {},
): T {
  const entries = bag.entries();
  const { node, cache } = outcomeNode(model, options.containLimitErrors === true, entries);
  let outcome = node.outcome;
  if (outcome === undefined) {
    outcome = computeOutcome(model, entries, options);
    node.outcome = outcome;
    cache.size += 1;
  }
  if (outcome.ok) return model.copy(outcome.value as T);
  if (outcome.level === "error") logger.error(outcome.message);
  else logger.debug(outcome.message);
  throw dataValidationError(outcome.message, outcome.cause);
}

/** Writes fields JSON-encoded into `bag`, emptying it first when `clear` is set. */
export function dumpModel(
  bag: RelationDataContent,
  fields: ReadonlyArray<readonly [string, PyDumpValue]>,
  clear: boolean,
): void {
  if (clear && bag.size > 0) bag.clear();
  for (const [key, value] of fields) bag.set(key, pyJsonDumps(value));
}
