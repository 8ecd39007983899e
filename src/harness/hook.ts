import type { JsonObject } from "../model/json.js";
import type { CharmSpec, ConfigValue } from "../model/metadata.js";
import type { CloudCredential, Databag } from "../model/state.js";
import type { Status } from "../model/status.js";

export {
  type Hook,
  type HookKind,
  isRelationHook,
  type RelationHookKind,
  relationHookKinds,
  type UnitHookKind,
  unitHookKinds,
} from "../model/hooks.js";

/** A relation as one unit sees it during one hook. */
export interface EnvRelation {
  readonly id: number;
  readonly endpoint: string;
  readonly interfaceName: string;
  readonly kind: "regular" | "peer" | "subordinate";
  /** Remote application name (own app for peers); null when unknown. */
  readonly remoteApp: string | null;
  /** Remote units this unit has seen join and not yet depart, in order. */
  readonly remoteUnits: readonly string[];
  /** Raw content of a bag (unit or application name); empty if it has none. No access checks. */
  readBag(owner: string): Databag;
}

/**
 * What the harness tells the ops-like framework during one hook. Context.run builds one from a
 * State, the Simulation from the model and the unit agent's view. Reads are lazy so that cost
 * follows what charm code touches.
 */
export interface HookEnvironment {
  readonly spec: CharmSpec;
  readonly unitName: string;
  readonly appName: string;
  readonly isLeader: boolean;
  readonly config: Readonly<Record<string, ConfigValue>>;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly plannedUnits: number;
  readonly unitStatus: Status;
  readonly appStatus: Status;
  readonly workloadVersion: string;
  /** Drawn from the run's seed: charm code that models unstable orders takes it from here. */
  readonly hookSeed: number;
  /** Relation ids on an endpoint that the unit lists (the one being broken is left out). */
  relationIds(endpoint: string): readonly number[];
  /** A relation the unit knows, including the one being broken; undefined if unknown. */
  relation(id: number): EnvRelation | undefined;
  readonly storedStates: readonly StoredStateRecord[];
  readonly deferred: readonly DeferredRecord[];
  /** `credential-get`; throws a permission error when the application is not trusted. */
  credentialGet(): CloudCredential;
  /** Simulated external systems charm code may talk to (e.g. LXD servers), by name. */
  readonly external: Readonly<Record<string, unknown>>;
}

export interface DeferredRecord {
  readonly handlePath: string;
  readonly owner: string;
  readonly observer: string;
  readonly snapshot: Readonly<JsonObject>;
}

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";
export interface JujuLogLine {
  readonly level: LogLevel;
  /** The logger's name (the library's module name, as Python's logging names it), if known. */
  readonly logger?: string;
  readonly message: string;
}

/** The new full content of one bag the hook changed. */
export interface BagWrite {
  readonly relationId: number;
  readonly owner: string;
  readonly data: Databag;
}

export interface StoredStateRecord {
  readonly ownerPath: string;
  readonly name: string;
  readonly content: Readonly<JsonObject>;
}

/** An event that reached observers during a dispatch, for inspection. */
export interface EmittedEventRecord {
  /** Kind as in ops, e.g. `install`, `certificates_relation_changed`, `certificate_set_updated`. */
  readonly kind: string;
  readonly handlePath: string;
  /** True when this was a re-emission of a previously deferred event. */
  readonly reemitted: boolean;
  readonly snapshot: Readonly<JsonObject>;
}

export interface ActionOutcome {
  readonly results: Readonly<Record<string, unknown>>;
  readonly logs: readonly string[];
  /** The failure message when the action called `fail()`. */
  readonly failure: string | null;
}

/** Everything a completed hook did, to be committed by the harness. */
export interface HookResult {
  readonly bagWrites: readonly BagWrite[];
  readonly unitStatus: Status;
  readonly appStatus: Status;
  readonly unitStatusHistory: readonly Status[];
  readonly appStatusHistory: readonly Status[];
  readonly workloadVersion: string;
  readonly logs: readonly JujuLogLine[];
  readonly storedStates: readonly StoredStateRecord[];
  readonly deferred: readonly DeferredRecord[];
  readonly emitted: readonly EmittedEventRecord[];
  readonly action: ActionOutcome | null;
}
