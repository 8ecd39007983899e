import { CharmBase } from "../../harness/ops/charm.js";
import type { RelationEvent } from "../../harness/ops/events.js";
import type { Framework } from "../../harness/ops/framework.js";
import { charmSpec } from "../../model/metadata.js";
import { ActiveStatus, MaintenanceStatus } from "../../model/status.js";

/**
 * Chatty charms: they write databags on many hooks so that the Juju ordering campaign exercises
 * joins, coalesced changes, app-level changes, peers, leadership and failures. They always
 * quiesce: nothing is written in reply to a change unless the content differs.
 */

const config = {
  options: {
    /** Throw in every hook of this kind (e.g. "relation-changed"), to exercise failed hooks. */
    "fail-hook": { type: "string" as const, default: "" },
    /** Written by the leader into the app bag of every relation; changing it starts a new round. */
    generation: { type: "int" as const, default: 0 },
  },
};

export const chattyProviderSpec = charmSpec({
  meta: {
    name: "chatty-provider",
    provides: { data: { interface: "chat" } },
    peers: { cluster: { interface: "chatty-cluster" } },
  },
  config,
});

export const chattyRequirerSpec = charmSpec({
  meta: { name: "chatty-requirer", requires: { data: { interface: "chat" } } },
  config,
});

abstract class Chatty extends CharmBase {
  private readonly stored: { hooks: number };
  constructor(framework: Framework, endpoint: string) {
    super(framework);
    this.stored = framework.storedState(this, "chatty", { hooks: 0 });
    const rel = this.on.relation(endpoint);
    const failing = (kind: string, fn: () => void) => () => {
      if (this.config["fail-hook"] === kind) throw new Error(`configured to fail in ${kind}`);
      fn();
    };
    framework.observe(
      this.on.install,
      failing("install", () => {
        this.unit.status = new MaintenanceStatus("installing");
      }),
    );
    framework.observe(
      this.on.start,
      failing("start", () => {
        this.unit.status = new ActiveStatus();
      }),
    );
    framework.observe(
      this.on.configChanged,
      failing("config-changed", () => this.publishGeneration()),
    );
    framework.observe(
      this.on.leaderElected,
      failing("leader-elected", () => this.publishGeneration()),
    );
    framework.observe(rel.created, (e) => failing("relation-created", () => this.touch(e))());
    framework.observe(rel.joined, (e) => failing("relation-joined", () => this.touch(e))());
    framework.observe(rel.changed, (e) => failing("relation-changed", () => this.echo(e))());
    framework.observe(rel.departed, (e) => failing("relation-departed", () => this.touch(e))());
    framework.observe(
      rel.broken,
      failing("relation-broken", () => {}),
    );
  }

  /** Records that the unit handled a hook of this relation in its own bag. */
  protected touch(event: RelationEvent): void {
    this.stored.hooks += 1;
    event.relation.data.get(this.unit).set("units-seen", String(event.relation.units.size));
  }

  /** Copies the remote side's generation into the own unit bag, only if it differs. */
  protected echo(event: RelationEvent): void {
    const bag = event.relation.data.get(this.unit);
    const source = event.unit
      ? event.relation.data.get(event.unit)
      : event.app
        ? event.relation.data.get(event.app)
        : null;
    const gen = source?.get("generation");
    if (gen !== undefined && bag.get("ack") !== gen) bag.set("ack", gen);
  }

  protected abstract get endpoint(): string;

  private publishGeneration(): void {
    if (!this.unit.isLeader()) return;
    for (const rel of this.model.relations(this.endpoint)) {
      rel.data.get(this.app).set("generation", String(this.config.generation ?? 0));
    }
  }
}

/** Provides `data` (interface chat) and has a `cluster` peer relation. */
export class ChattyProvider extends Chatty {
  constructor(framework: Framework) {
    super(framework, "data");
    const peer = this.on.relation("cluster");
    framework.observe(peer.joined, (e) => {
      e.relation.data.get(this.unit).set("peer", this.unit.name);
    });
    framework.observe(peer.changed, (e) => {
      if (this.unit.isLeader()) {
        const size = String(e.relation.units.size + 1);
        const bag = e.relation.data.get(this.app);
        if (bag.get("cluster-size") !== size) bag.set("cluster-size", size);
      }
    });
  }
  protected get endpoint(): string {
    return "data";
  }
}

/** Requires `data` (interface chat). */
export class ChattyRequirer extends Chatty {
  constructor(framework: Framework) {
    super(framework, "data");
  }
  protected get endpoint(): string {
    return "data";
  }
}
