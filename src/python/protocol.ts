/**
 * The messages between charmsim and its Python worker (python/charmsim_worker/protocol.py
 * describes the same ones, as dataclasses): one JSON object per line. The worker speaks first,
 * a `hello` carrying PROTOCOL_VERSION; a worker with another version is refused. Requests are
 * built here from typed values; every reply is checked with these schemas before use.
 */
import { z } from "zod";
import type { JsonObject } from "../model/json.js";
import { statusNames } from "../model/status.js";

export const PROTOCOL_VERSION = 1;

// ---- requests (built by charmsim) ---------------------------------------------------------

export type Bag = Readonly<Record<string, string>>;
/** JSON as the worker stores it: tagged for Python sets, tuples and bytes (python/.../values.py). */
export type TaggedJson = Readonly<JsonObject>;

export interface StatusRecord {
  readonly name: (typeof statusNames)[number];
  readonly message: string;
}

export interface StoredStateWire {
  readonly owner_path: string;
  readonly name: string;
  readonly content: TaggedJson;
}

export interface DeferredWire {
  readonly handle_path: string;
  readonly owner: string;
  readonly observer: string;
  readonly snapshot: TaggedJson;
}

export interface RelationWire {
  readonly kind: "regular" | "peer" | "subordinate";
  readonly id: number;
  readonly endpoint: string;
  readonly interface: string;
  readonly remote_app: string;
  readonly local_app_data: Bag;
  readonly local_unit_data: Bag;
  readonly remote_app_data: Bag;
  /** Units the unit lists, by number. */
  readonly remote_units: Readonly<Record<string, Bag>>;
  /** Units it may read without listing them (the departing one). */
  readonly extra_units: Readonly<Record<string, Bag>>;
}

export interface UnitStateWire {
  readonly leader: boolean;
  readonly config: Readonly<Record<string, string | number | boolean>>;
  readonly model_name: string;
  readonly model_uuid: string;
  readonly planned_units: number;
  readonly unit_status: StatusRecord;
  readonly app_status: StatusRecord;
  readonly workload_version: string;
  readonly relations: readonly RelationWire[];
  readonly stored_states: readonly StoredStateWire[];
  readonly deferred: readonly DeferredWire[];
  readonly credential: {
    readonly type: string;
    readonly endpoint: string;
    readonly attrs: Bag;
  } | null;
}

export interface EventWire {
  /** Juju's hook kind (`relation-changed`, `action`, ...). */
  readonly kind: string;
  readonly relation_id: number | null;
  /** null for an application-level relation-changed. */
  readonly remote_unit: number | null;
  readonly departing_unit: number | null;
  readonly action: {
    readonly name: string;
    readonly params: Readonly<Record<string, unknown>>;
    readonly id: string;
  } | null;
}

export interface LoadRequest {
  readonly type: "load";
  readonly charm: string;
  readonly dir: string;
  readonly class_name: string | null;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly actions: Readonly<Record<string, unknown>>;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface RunRequest {
  readonly type: "run";
  readonly id: number;
  readonly charm: string;
  readonly app: string;
  readonly unit_id: number;
  /** Seconds. */
  readonly timeout: number;
  readonly state: UnitStateWire;
  readonly event: EventWire;
}

export interface BenchRequest {
  readonly type: "bench";
  readonly run: RunRequest;
  readonly repeat: number;
}

export type Request = LoadRequest | RunRequest | BenchRequest;

// ---- replies (checked) --------------------------------------------------------------------

const jsonObjectSchema = z.record(z.string(), z.json());
const statusSchema = z.object({ name: z.enum(statusNames), message: z.string() });
const bagSchema = z.record(z.string(), z.string());

export const helloSchema = z.object({
  type: z.literal("hello"),
  protocol: z.number().int(),
  python: z.string(),
  ops: z.string(),
  scenario: z.string(),
});
export type Hello = z.output<typeof helloSchema>;

const loadedSchema = z.object({
  type: z.literal("loaded"),
  charm: z.string(),
  class_name: z.string(),
});

const logLineSchema = z.object({ level: z.string(), message: z.string() });
const emittedSchema = z.object({
  kind: z.string(),
  handle_path: z.string(),
  reemitted: z.boolean(),
  snapshot: jsonObjectSchema,
});
const storedStateSchema = z.object({
  owner_path: z.string(),
  name: z.string(),
  content: jsonObjectSchema,
});
const deferredSchema = z.object({
  handle_path: z.string(),
  owner: z.string(),
  observer: z.string(),
  snapshot: jsonObjectSchema,
});

const runOkSchema = z.object({
  type: z.literal("result"),
  ok: z.literal(true),
  id: z.number().int(),
  bag_writes: z.array(
    z.object({ relation_id: z.number().int(), owner: z.enum(["app", "unit"]), data: bagSchema }),
  ),
  unit_status: statusSchema,
  app_status: statusSchema,
  unit_status_history: z.array(statusSchema),
  app_status_history: z.array(statusSchema),
  workload_version: z.string(),
  stored_states: z.array(storedStateSchema),
  deferred: z.array(deferredSchema),
  logs: z.array(logLineSchema),
  emitted: z.array(emittedSchema),
  action: z
    .object({
      results: z.record(z.string(), z.unknown()),
      logs: z.array(z.string()),
      failure: z.string().nullable(),
    })
    .nullable(),
  /** Time the worker spent on the request (reading it to having the reply), in µs. */
  worker_us: z.number(),
});
export type RunOk = z.output<typeof runOkSchema>;

const runFailedSchema = z.object({
  type: z.literal("result"),
  ok: z.literal(false),
  id: z.number().int(),
  error: z.object({ type: z.string(), message: z.string(), traceback: z.string() }),
  logs: z.array(logLineSchema),
  emitted: z.array(emittedSchema),
});
export type RunFailed = z.output<typeof runFailedSchema>;

const benchSchema = z.object({
  type: z.literal("bench"),
  scenario_run_us: z.number(),
  repeat: z.number().int(),
});

const errorSchema = z.object({
  type: z.literal("error"),
  message: z.string(),
  traceback: z.string(),
});
export type ErrorReply = z.output<typeof errorSchema>;

export const replySchema = z.union([
  helloSchema,
  loadedSchema,
  z.discriminatedUnion("ok", [runOkSchema, runFailedSchema]),
  benchSchema,
  errorSchema,
]);
export type Reply = z.output<typeof replySchema>;
