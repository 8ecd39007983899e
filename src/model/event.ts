import type { UnitHookKind } from "./hooks.js";
import type { AnyRelation } from "./state.js";

/**
 * An event to run with `Context.run`, before it is resolved against a State. Relation events
 * carry the relation object; remote and departing units are given by unit id (a number, in the
 * remote application) or by full unit name.
 */
export type ContextEvent =
  | { readonly kind: UnitHookKind }
  | { readonly kind: "relation-created"; readonly relation: AnyRelation }
  | { readonly kind: "relation-broken"; readonly relation: AnyRelation }
  | {
      readonly kind: "relation-joined" | "relation-changed";
      readonly relation: AnyRelation;
      /** undefined: the relation's first remote unit (or none); null: an application-level event. */
      readonly remoteUnit: number | null | undefined;
    }
  | {
      readonly kind: "relation-departed";
      readonly relation: AnyRelation;
      readonly remoteUnit: number | undefined;
      /** Defaults to the remote unit. A full unit name may name the local unit itself. */
      readonly departingUnit: number | string | undefined;
    }
  | {
      readonly kind: "action";
      readonly name: string;
      readonly params: Readonly<Record<string, unknown>>;
      readonly id: string;
    };

/** The remote application's name as the local unit sees it (own app for a peer relation). */
export function remoteAppOf(relation: AnyRelation, appName: string): string {
  return relation.kind === "peer" ? appName : relation.remoteAppName;
}

/** Remote unit ids of a relation in ascending order. */
export function remoteUnitIdsOf(relation: AnyRelation): number[] {
  return relation.remoteUnitIds.sort((a, b) => a - b);
}
