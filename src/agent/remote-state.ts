/**
 * A unit agent's remote state: what its watchers have told it of the model so far (Juju's
 * remotestate.Snapshot). It may lag the model, never run ahead of it.
 */

/** One relation as the agent's watchers reported it. */
export interface RelationSnapshot {
  life: "alive" | "dying";
  /** Remote units in scope, with the version of their settings (Juju's Members). */
  readonly members: Map<string, number>;
  /** Remote applications, with the version of their settings (Juju's ApplicationMembers). */
  readonly appMembers: Map<string, number>;
}

export class RemoteState {
  /** The unit's own life. */
  life: "alive" | "dying" = "alive";
  configVersion = 0;
  leader = false;
  leaderSettingsVersion = 0;
  updateStatusVersion = 0;
  readonly relations = new Map<number, RelationSnapshot>();
}

/** Relation-units watcher changes, in the order the model made them. */
export type RelationUnitsChange =
  | { readonly unit: string; readonly version: number | null }
  | { readonly app: string; readonly version: number };

/** The watchers of one unit agent, each delivering its events in order. */
export type WatcherKey =
  | "unit"
  | "config"
  | "leadership"
  | "update-status"
  | "relations"
  | `relation-units:${number}`;

/** Applies one relation-units change to a relation snapshot. */
export function applyRelationUnitsChange(
  snap: RelationSnapshot,
  change: RelationUnitsChange,
): void {
  if ("unit" in change) {
    if (change.version === null) snap.members.delete(change.unit);
    else snap.members.set(change.unit, change.version);
  } else {
    snap.appMembers.set(change.app, change.version);
  }
}
