import { z } from "zod";
import { InputError } from "../model/errors.js";
import { relationHookKinds, unitHookKinds } from "../model/hooks.js";

const hookKindSchema = z.enum([...unitHookKinds, ...relationHookKinds, "action"]);

/** A model operation (deploy, integrate, remove-unit, set-leader, ...), as asked of the simulation. */
const opRecord = z.strictObject({
  t: z.literal("op"),
  seq: z.number().int(),
  op: z.string(),
  args: z.record(z.string(), z.json()),
});
/** The leader of an application changed (by an operation or by re-election). */
const leaderRecord = z.strictObject({
  t: z.literal("leader"),
  seq: z.number().int(),
  app: z.string(),
  unit: z.string().nullable(),
});
/** One hook run on one unit. `seen` is the count and digest of readable remote unit bags. */
const hookRecord = z.strictObject({
  t: z.literal("hook"),
  seq: z.number().int(),
  unit: z.string(),
  kind: hookKindSchema,
  rel: z.number().int().optional(),
  remote: z.string().optional(),
  departing: z.string().optional(),
  app: z.string().optional(),
  action: z.string().optional(),
  leader: z.boolean(),
  ok: z.boolean(),
  error: z.string().optional(),
  seen: z.strictObject({ n: z.number().int(), h: z.number().int() }).optional(),
});
/** A databag change committed by a completed hook (or exec/action): keys set and deleted. */
const commitRecord = z.strictObject({
  t: z.literal("commit"),
  seq: z.number().int(),
  unit: z.string(),
  hook: z.number().int(),
  rel: z.number().int(),
  owner: z.string(),
  set: z.record(z.string(), z.string()),
  del: z.array(z.string()),
});
/** A non-hook event delivered during a dispatch: a custom (library) event or a re-emitted deferred one. */
const eventRecord = z.strictObject({
  t: z.literal("event"),
  seq: z.number().int(),
  unit: z.string(),
  hook: z.number().int(),
  kind: z.string(),
  reemitted: z.boolean(),
  data: z.record(z.string(), z.json()),
});
/** A juju-log line; `logger` is the name of the logger that wrote it, when recorded. */
const logRecord = z.strictObject({
  t: z.literal("log"),
  seq: z.number().int(),
  unit: z.string(),
  level: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
  logger: z.string().optional(),
  message: z.string(),
});
const statusRecord = z.strictObject({
  t: z.literal("status"),
  seq: z.number().int(),
  unit: z.string(),
  target: z.enum(["unit", "app"]),
  name: z.string(),
  message: z.string(),
});
/** Code run in a unit's hook context with `sim.exec` (not a Juju hook). */
const execRecord = z.strictObject({
  t: z.literal("exec"),
  seq: z.number().int(),
  unit: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
});
/** A unit in error was resolved; with `retry` false the failed hook counts as done. */
const resolveRecord = z.strictObject({
  t: z.literal("resolve"),
  seq: z.number().int(),
  unit: z.string(),
  hook: z.number().int(),
  retry: z.boolean(),
});

/**
 * A unit agent's watcher delivered model changes to its remote state (`start`: the agent
 * started, every watcher's initial event in). `events` counts relation-units changes delivered.
 */
const deliverRecord = z.strictObject({
  t: z.literal("deliver"),
  seq: z.number().int(),
  unit: z.string(),
  watcher: z.enum([
    "start",
    "unit",
    "config",
    "leadership",
    "update-status",
    "relations",
    "relation-units",
  ]),
  rel: z.number().int().optional(),
  events: z.number().int().optional(),
});

export const traceRecordSchema = z.discriminatedUnion("t", [
  opRecord,
  leaderRecord,
  hookRecord,
  commitRecord,
  eventRecord,
  logRecord,
  statusRecord,
  execRecord,
  resolveRecord,
  deliverRecord,
]);
export type TraceRecord = z.output<typeof traceRecordSchema>;
export type HookRecord = z.output<typeof hookRecord>;
export type CommitRecord = z.output<typeof commitRecord>;
export type OpRecord = z.output<typeof opRecord>;
export type LeaderRecord = z.output<typeof leaderRecord>;
export type DeliverRecord = z.output<typeof deliverRecord>;

/** Trace format 2 adds `deliver` records (watcher deliveries); format 1 traces still load. */
export const traceSchema = z.strictObject({
  format: z.literal("charmsim-trace"),
  version: z.union([z.literal(1), z.literal(2)]),
  seed: z.number().int().nullable(),
  records: z.array(traceRecordSchema),
});
export type TraceFile = z.output<typeof traceSchema>;

/** A recorded run: every hook, commit, event, log line, status change and model operation. */
export class Trace {
  readonly records: TraceRecord[] = [];
  constructor(readonly seed: number | null = null) {}

  get length(): number {
    return this.records.length;
  }

  push(record: TraceRecord): void {
    this.records.push(record);
  }

  nextSeq(): number {
    return this.records.length;
  }

  hooks(): HookRecord[] {
    return this.records.filter((r): r is HookRecord => r.t === "hook");
  }

  toJSON(): TraceFile {
    return { format: "charmsim-trace", version: 2, seed: this.seed, records: this.records };
  }

  /** Deterministic JSON: one record per line, keys in a fixed order. */
  toJsonText(): string {
    const lines = this.records.map((r) => `    ${JSON.stringify(r)}`);
    return `{\n  "format": "charmsim-trace",\n  "version": 2,\n  "seed": ${JSON.stringify(this.seed)},\n  "records": [\n${lines.join(",\n")}\n  ]\n}\n`;
  }

  /** Loads a trace from JSON text, validating every record; errors name the field. */
  static fromJsonText(text: string, source = "trace"): Trace {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError(source, [{ path: "(json)", message: (e as Error).message }]);
    }
    return Trace.fromJSON(value, source);
  }

  static fromJSON(value: unknown, source = "trace"): Trace {
    const parsed = traceSchema.safeParse(value);
    if (!parsed.success) throw InputError.fromZod(source, parsed.error);
    const trace = new Trace(parsed.data.seed);
    for (const r of parsed.data.records) trace.push(r);
    return trace;
  }
}
