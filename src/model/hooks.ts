/** Juju hook kinds and one hook invocation on one unit. */

/** The hooks Juju runs on a unit that are not about one relation. */
export const unitHookKinds = [
  "install",
  "start",
  "stop",
  "remove",
  "update-status",
  "config-changed",
  "upgrade-charm",
  "leader-elected",
  "leader-settings-changed",
] as const;
export type UnitHookKind = (typeof unitHookKinds)[number];

export const relationHookKinds = [
  "relation-created",
  "relation-joined",
  "relation-changed",
  "relation-departed",
  "relation-broken",
] as const;
export type RelationHookKind = (typeof relationHookKinds)[number];

/** One hook invocation on one unit: what Juju would dispatch. */
export type Hook =
  | { readonly kind: UnitHookKind }
  | { readonly kind: "relation-created"; readonly relationId: number }
  | { readonly kind: "relation-joined"; readonly relationId: number; readonly remoteUnit: string }
  | {
      readonly kind: "relation-changed";
      readonly relationId: number;
      /** null for an application-level change (the remote app bag changed). */
      readonly remoteUnit: string | null;
    }
  | {
      readonly kind: "relation-departed";
      readonly relationId: number;
      readonly remoteUnit: string;
      readonly departingUnit: string;
    }
  | { readonly kind: "relation-broken"; readonly relationId: number }
  | {
      readonly kind: "action";
      readonly name: string;
      readonly params: Readonly<Record<string, unknown>>;
      readonly id: string;
    };
export type HookKind = Hook["kind"];

export function isRelationHook(hook: Hook): hook is Extract<Hook, { relationId: number }> {
  return "relationId" in hook;
}
