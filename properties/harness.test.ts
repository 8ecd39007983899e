import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Context, UncaughtCharmError } from "../src/harness/context.js";
import { CharmBase } from "../src/harness/ops/charm.js";
import type { Framework } from "../src/harness/ops/framework.js";
import { PeerRelation, Relation, State, StoredState } from "../src/model/state.js";
import { ActiveStatus, BlockedStatus } from "../src/model/status.js";

const meta = {
  name: "writer",
  requires: { db: { interface: "db" } },
  peers: { cluster: { interface: "cluster" } },
};
const config = { options: { mode: { type: "string" as const, default: "write" } } };

/** Writes own bags, status and stored state on every hook; throws or defers when told to. */
class Writer extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    const stored = fw.storedState(this, "stored", { count: 0, seen: [] as string[] });
    const handle = (e: { defer(): void }) => {
      stored.count += 1;
      stored.seen.push(String(stored.count));
      for (const rel of [...this.model.relations("db"), ...this.model.relations("cluster")]) {
        rel.data.get(this.unit).set("count", String(stored.count));
        if (this.unit.isLeader()) rel.data.get(this.app).set("leader", this.unit.name);
      }
      this.unit.status = stored.count % 2 ? new ActiveStatus("odd") : new BlockedStatus("even");
      if (this.config.mode === "defer") e.defer();
      if (this.config.mode === "throw") throw new Error("boom");
    };
    fw.observe(this.on.updateStatus, handle);
    fw.observe(this.on.configChanged, handle);
    fw.observe(this.on.relation("db").changed, handle);
    fw.observe(this.on.relation("cluster").changed, handle);
  }
}

const bag = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }), {
  maxKeys: 3,
});

const stateArb = fc
  .record({
    leader: fc.boolean(),
    mode: fc.constantFrom("write", "defer", "throw"),
    local: bag,
    remoteApp: bag,
    remoteUnits: fc.dictionary(fc.integer({ min: 0, max: 3 }).map(String), bag, {
      minKeys: 1,
      maxKeys: 3,
    }),
    peers: fc.dictionary(fc.integer({ min: 1, max: 3 }).map(String), bag, { maxKeys: 2 }),
    count: fc.nat({ max: 5 }),
  })
  .map((s) => {
    const db = new Relation({
      endpoint: "db",
      localUnitData: s.local,
      remoteAppData: s.remoteApp,
      remoteUnitsData: s.remoteUnits,
    });
    const cluster = new PeerRelation({ endpoint: "cluster", peersData: s.peers });
    return {
      db,
      state: new State({
        leader: s.leader,
        config: { mode: s.mode },
        relations: [db, cluster],
        storedStates: [
          new StoredState({
            ownerPath: "Writer",
            name: "stored",
            content: { count: s.count, seen: [] },
          }),
        ],
      }),
    };
  });

const snapshot = (state: State) =>
  JSON.stringify({
    ...state,
    relations: state.relations.map((r) => ({ ...r })),
    storedStates: state.storedStates.map((s) => ({ ...s })),
  });

describe("Context.run", () => {
  test.prop(
    [stateArb, fc.constantFrom("update-status", "config-changed", "db-changed", "cluster-changed")],
    {
      numRuns: 200,
    },
  )("never mutates its input State, whatever the charm does", ({ db, state }, which) => {
    const ctx = new Context(Writer, { meta, config });
    const before = snapshot(state);
    const cluster = state.relations[1] as PeerRelation;
    const event =
      which === "update-status"
        ? ctx.on.updateStatus()
        : which === "config-changed"
          ? ctx.on.configChanged()
          : which === "db-changed"
            ? ctx.on.relationChanged(db)
            : ctx.on.relationChanged(cluster, { remoteUnit: null });
    let out: State | null = null;
    try {
      out = ctx.run(event, state);
    } catch (e) {
      expect(e).toBeInstanceOf(UncaughtCharmError);
      expect(state.config.mode).toBe("throw");
    }
    expect(snapshot(state)).toBe(before);
    if (out) {
      expect(out).not.toBe(state);
      expect(out.getStoredState("stored")?.content.count).toBe(
        Number(state.getStoredState("stored")?.content.count) + 1,
      );
    }
  });
});
