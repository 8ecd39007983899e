import type { CharmBase, CharmClass } from "../harness/ops/charm.js";
import { InputError } from "../model/errors.js";
import type { JsonValue } from "../model/json.js";
import type { CharmSpec } from "../model/metadata.js";
import type { CloudCredential } from "../model/state.js";

/** A method a scenario's `call` step may invoke on a unit's charm (inside `sim.exec`). */
export type CharmCall = (charm: CharmBase, args: readonly JsonValue[]) => JsonValue | undefined;

/** One action a routed call runs: its name and parameters. */
export interface ActionInvocation {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * A `call` a charm without a TypeScript object (a Python charm) serves through its actions: the
 * actions to run, in order, on the unit (`sim.runAction`), and the call's value from their results.
 */
export interface ActionCall {
  readonly actions: (args: readonly JsonValue[]) => readonly ActionInvocation[];
  readonly value?: (results: readonly Readonly<Record<string, unknown>>[]) => JsonValue | undefined;
}

/** What a charm needs from the world: external systems and the cloud credential. */
export interface CharmEnvironment {
  readonly external?: Readonly<Record<string, unknown>>;
  readonly credential?: CloudCredential;
}

/** A charm scenarios can deploy by name. */
export interface CatalogCharm {
  readonly name: string;
  readonly description: string;
  readonly charm: CharmClass;
  readonly spec: CharmSpec;
  readonly calls: Readonly<Record<string, CharmCall>>;
  /** Calls routed to actions, for charms `sim.exec` cannot reach (Python charms). */
  readonly actionCalls?: Readonly<Record<string, ActionCall>>;
  /** Builds the simulated world the charm talks to; called once per run. */
  readonly environment?: () => CharmEnvironment;
}

/** Charms by name, for scenario files, fuzz campaigns and replays. */
export class CharmCatalog {
  private readonly entries = new Map<string, CatalogCharm>();

  constructor(entries: Iterable<CatalogCharm> = []) {
    for (const e of entries) this.register(e);
  }

  register(entry: CatalogCharm): void {
    if (this.entries.has(entry.name))
      throw new Error(`charm "${entry.name}" is already in the catalog`);
    this.entries.set(entry.name, entry);
  }

  get(name: string): CatalogCharm {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new InputError("scenario", [
        {
          path: "charm",
          message: `unknown charm "${name}"; known charms: ${this.names().join(", ")}`,
        },
      ]);
    }
    return entry;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  all(): CatalogCharm[] {
    return this.names().map((n) => this.get(n));
  }
}
