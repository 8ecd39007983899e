import type { Hook } from "../model/hooks.js";

/**
 * A hook the agent has decided to run, with what it captured from its remote state when the
 * operation was made (Juju's hook.Info ChangeVersion): the version its commit records.
 */
export interface HookOp {
  readonly hook: Hook;
  /** Relation hooks: the remote unit's (or application's) settings version; else 0. */
  readonly changeVersion: number;
}

/**
 * What the agent is in the middle of (Juju's operation.State Kind and Step): nothing
 * ("continue"), a queued hook to run next, a failed hook waiting for `resolved`, or a failed
 * hook resolved with retry.
 */
export type OperationState =
  | { readonly kind: "continue" }
  | { readonly kind: "queued"; readonly op: HookOp }
  | { readonly kind: "error"; readonly op: HookOp }
  | { readonly kind: "retry"; readonly op: HookOp };

/** One relation's local state (Juju's relation.State): what the committed hooks handled. */
export interface RelationState {
  /** Remote units joined, with the settings version last handled. */
  readonly members: Map<string, number>;
  /** Remote applications, with the settings version last handled. */
  readonly appMembers: Map<string, number>;
  /** After relation-joined(R): relation-changed(R) must come next on this relation. */
  changedPending: string | null;
  /** XOR of the digests of `members`' names (unitDigest), kept for the data-visibility record. */
  memberDigest: number;
}

/** A relation the agent has joined (entered its scope): Juju's relationer. */
export interface KnownRelation {
  readonly id: number;
  readonly endpoint: string;
  readonly peer: boolean;
  readonly remoteApp: string;
}

export const CONTINUE: OperationState = Object.freeze({ kind: "continue" });

/** A unit agent's local state: what its committed operations recorded. */
export class LocalState {
  installed = false;
  started = false;
  stopped = false;
  removed = false;
  /** Leadership the agent has accepted (set when leader-elected is queued). */
  leader = false;
  leaderSettingsVersion = 0;
  configVersion = 0;
  updateStatusVersion = 0;
  op: OperationState = CONTINUE;
  /** Relations joined (Juju's relationers), by id. */
  readonly known = new Map<number, KnownRelation>();
  /** Relations whose relation-created has been committed. */
  readonly created = new Set<number>();
  /** Per-relation state, kept from joining until relation-broken commits. */
  readonly states = new Map<number, RelationState>();
}

export function newRelationState(): RelationState {
  return { members: new Map(), appMembers: new Map(), changedPending: null, memberDigest: 0 };
}
