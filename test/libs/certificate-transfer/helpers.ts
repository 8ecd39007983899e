import { Context } from "../../../src/harness/context.js";
import type { LogLevel } from "../../../src/harness/hook.js";
import { CharmBase } from "../../../src/harness/ops/charm.js";
import type { Framework } from "../../../src/harness/ops/framework.js";
import type { Databag, State } from "../../../src/model/state.js";

/** The juju-log lines of the last run, as [level, message] pairs. */
export function logs(ctx: Context<CharmBase>): [LogLevel, string][] {
  return ctx.jujuLog.map((l) => [l.level, l.message]);
}

/** A JSON-encoded list from a bag value, as a set. */
export function jsonSet(value: string | undefined): Set<string> {
  if (value === undefined) throw new Error("bag value is missing");
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed)) throw new Error(`not a JSON list: ${value}`);
  return new Set(parsed.map(String));
}

/** The local application and unit bags of a relation in a State. */
export function bags(state: State, relationId: number): { app: Databag; unit: Databag } {
  const r = state.getRelation(relationId);
  if (r?.kind !== "regular") throw new Error(`no regular relation ${relationId}`);
  return { app: r.localAppData, unit: r.localUnitData };
}

/** The Python-formatted error line upstream logs when a databag fails to load. */
export function parseErrorLine(inner: string): string {
  return `('Error parsing relation databag: ${inner}. ', 'Make sure not to interact with the databags except using the public methods in the provider library and use version V1.')`;
}

/** The Python-formatted deprecation warning upstream logs when writing in v0 mode. */
export function v0WarningLine(relationId: number, version?: string): string {
  const first =
    version === undefined
      ? `Requirer in relation ${relationId} did not provide version field,`
      : `Requirer in relation ${relationId} is using version ${version} of the interface,`;
  return `('${first}', 'defaulting to version 0.', 'This is deprecated, please consider upgrading the requirer', 'to version 1 of the library.')`;
}

/** A call into a library object from inside a hook; what it returns is collected. */
export type Probe<L> = (lib: L, charm: CharmBase) => unknown;

/** The Context of a charm class with one `certificates` endpoint, provided or required. */
function endpointContext(role: "provider" | "requirer", charm: new (fw: Framework) => CharmBase) {
  const endpoints = { certificates: { interface: "certificate_transfer" } };
  return new Context(charm, {
    meta:
      role === "provider"
        ? { name: role, provides: endpoints }
        : { name: role, requires: endpoints },
  });
}

/**
 * A charm with one `certificates` endpoint (provides or requires) that builds its library object
 * with `makeLib` and runs `probe` at update-status; `seen` collects what each run returned.
 */
export function probeCharm<L>(
  role: "provider" | "requirer",
  makeLib: (charm: CharmBase) => L,
  probe: Probe<L>,
) {
  const seen: unknown[] = [];
  class LibraryProbe extends CharmBase {
    constructor(framework: Framework) {
      super(framework);
      const lib = makeLib(this);
      framework.observe(this.on.updateStatus, () => seen.push(probe(lib, this)));
    }
  }
  return { ctx: endpointContext(role, LibraryProbe), seen };
}

/**
 * The same at relation-broken of the `certificates` endpoint: `probe` gets the library object and
 * the id of the relation being broken; `seen` collects what each run returned.
 */
export function probeAtBroken<L>(
  role: "provider" | "requirer",
  makeLib: (charm: CharmBase) => L,
  probe: (lib: L, brokenId: number) => unknown,
) {
  const seen: unknown[] = [];
  class LibraryProbeAtBroken extends CharmBase {
    constructor(framework: Framework) {
      super(framework);
      const lib = makeLib(this);
      framework.observe(this.on.relation("certificates").broken, (e) =>
        seen.push(probe(lib, e.relation.id)),
      );
    }
  }
  return { ctx: endpointContext(role, LibraryProbeAtBroken), seen };
}
