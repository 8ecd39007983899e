import type { CharmBase, CharmClass } from "../harness/ops/charm.js";
import { InputError } from "../model/errors.js";
import type { JsonValue } from "../model/json.js";
import type { CharmSpec } from "../model/metadata.js";
import type { CloudCredential } from "../model/state.js";

/** A method a scenario's `call` step may invoke on a unit's charm (inside `sim.exec`). */
export type CharmCall = (charm: CharmBase, args: readonly JsonValue[]) => JsonValue | undefined;

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
