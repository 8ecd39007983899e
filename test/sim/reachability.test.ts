/**
 * Reachability: for each hook order Juju's unit agents can produce (docs/juju-fidelity.md), a
 * seed and scenario under which the simulator produces it, so the simulator is shown not to be
 * stricter than Juju. Each search walks seeds in order and stops at the first trace showing the
 * order; the trace must also satisfy every invariant (the order is legal, not a bug).
 */
import { describe, expect, it } from "vitest";
import { checkInvariants, formatViolations } from "../../src/harness/invariants.js";
import { Simulation } from "../../src/harness/simulation.js";
import type { HookRecord, TraceRecord } from "../../src/harness/trace.js";
import { charm, label, Plain, peerMeta, provMeta, reqMeta } from "./charms.js";

const MAX_SEEDS = 400;

const twoDb = {
  name: "req2",
  requires: { db: { interface: "db" }, db2: { interface: "db" } },
};

/** The first seed whose run shows the order; fails when none of MAX_SEEDS does. */
function reach(
  build: (seed: number) => Simulation,
  shows: (records: readonly TraceRecord[], hooks: readonly HookRecord[]) => boolean,
): { seed: number; sim: Simulation } {
  for (let seed = 0; seed < MAX_SEEDS; seed++) {
    const sim = build(seed);
    if (shows(sim.trace.records, sim.trace.hooks())) {
      const v = checkInvariants(sim.trace);
      expect(v, formatViolations(v)).toEqual([]);
      return { seed, sim };
    }
  }
  throw new Error(`no seed in 0..${MAX_SEEDS - 1} produced the order`);
}

const of = (hooks: readonly HookRecord[], unit: string) => hooks.filter((h) => h.unit === unit);
const seqOf = (hooks: readonly HookRecord[], pred: (h: HookRecord) => boolean) =>
  hooks.find(pred)?.seq ?? -1;
const opSeq = (records: readonly TraceRecord[], op: string, key: string, value: unknown) =>
  records.find((r) => r.t === "op" && r.op === op && r.args[key] === value)?.seq ?? -1;

/** p (provides db, 2 units) related to r (requires db, 2 units), settled. */
function pair(seed: number, pUnits = 2, rUnits = 2): { sim: Simulation; id: number } {
  const sim = new Simulation({ seed });
  sim.deploy("p", Plain, { meta: provMeta, units: pUnits });
  sim.deploy("r", Plain, { meta: reqMeta, units: rUnits });
  const id = sim.integrate("p:db", "r:db");
  return { sim, id };
}

describe("orders the lagging views make reachable", () => {
  it("a remote unit runs relation-joined(r, L) before L has run relation-created(r)", () => {
    // r/1 joins both of its relations at once (SynchronizeScopes) and runs one relation-created
    // at a time: p/0 can join r/1 in the other relation first.
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("p", Plain, { meta: provMeta });
        sim.deploy("r", Plain, { meta: twoDb, units: 0 });
        sim.integrate("p:db", "r:db");
        sim.integrate("p:db", "r:db2");
        sim.settle();
        sim.addUnit("r");
        sim.settle();
        return sim;
      },
      (_records, hooks) =>
        hooks.some((j) => {
          if (j.unit !== "p/0" || j.kind !== "relation-joined" || j.remote !== "r/0") return false;
          const created = seqOf(
            hooks,
            (h) => h.unit === "r/0" && h.kind === "relation-created" && h.rel === j.rel,
          );
          return created > j.seq;
        }),
    );
  });

  it("a remote unit runs relation-departed(r, L) while L still runs its own teardown hooks", () => {
    reach(
      (seed) => {
        const { sim } = pair(seed, 1, 2);
        sim.settle();
        sim.removeUnit("r/1");
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const departed = seqOf(
          hooks,
          (h) => h.unit === "p/0" && h.kind === "relation-departed" && h.remote === "r/1",
        );
        const teardown = of(hooks, "r/1").filter((h) => h.seq > departed && h.kind !== "remove");
        return departed >= 0 && teardown.length > 0;
      },
    );
  });

  it("relation-joined(r, Y) for a unit Y that has already gone", () => {
    reach(
      (seed) => {
        const { sim } = pair(seed, 1, 1);
        sim.settle();
        sim.addUnit("r");
        // r/1 enters the scope, then is removed while p/0's watcher may still hold its entry.
        for (let i = 0; i < seed % 7 && sim.step(); i++);
        if (sim.model.units.get("r/1")?.life === "alive") sim.removeUnit("r/1");
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const gone = seqOf(hooks, (h) => h.unit === "r/1" && h.kind === "remove");
        const joined = seqOf(
          hooks,
          (h) => h.unit === "p/0" && h.kind === "relation-joined" && h.remote === "r/1",
        );
        return gone >= 0 && joined > gone;
      },
    );
  });

  it("relation-broken(r) on a unit that never ran relation-created(r)", () => {
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("p", Plain, { meta: provMeta });
        sim.deploy("r", Plain, {
          meta: { name: "req", requires: { db: { interface: "db" }, db2: { interface: "db" } } },
        });
        sim.integrate("p:db", "r:db");
        const second = sim.integrate("p:db", "r:db2");
        for (let i = 0; i < (seed % 9) + 2 && sim.step(); i++);
        sim.removeRelation(second);
        sim.settle();
        return sim;
      },
      (_records, hooks) =>
        hooks.some(
          (b) =>
            b.kind === "relation-broken" &&
            !hooks.some(
              (c) => c.unit === b.unit && c.rel === b.rel && c.kind === "relation-created",
            ),
        ),
    );
  });

  it("an update-status tick consumed by another hook's commit", () => {
    reach(
      (seed) => {
        const { sim } = pair(seed, 1, 1);
        sim.settle();
        sim.setConfig("p", {});
        sim.updateStatus("r/0");
        sim.exec("p/0", (c) => c.model.getRelation("db")?.data.get(c.unit).set("x", "1"));
        sim.settle();
        return sim;
      },
      (records, hooks) => {
        const tick = opSeq(records, "update-status", "unit", "r/0");
        const after = of(hooks, "r/0").filter((h) => h.seq > tick);
        return after.length > 0 && !after.some((h) => h.kind === "update-status");
      },
    );
  });

  it("leader-settings-changed on a dying unit", () => {
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("a", Plain, { meta: peerMeta, units: 2 });
        sim.settle();
        sim.removeUnit("a/0"); // the leader: dying, it resigns and handles the settings version
        sim.settle();
        return sim;
      },
      (records, hooks) => {
        const removed = opSeq(records, "remove-unit", "unit", "a/0");
        return of(hooks, "a/0").some(
          (h) => h.kind === "leader-settings-changed" && h.seq > removed,
        );
      },
    );
  });

  it("install ... remove with no stop (a unit removed before it started)", () => {
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("a", Plain, { meta: provMeta, units: 1 });
        sim.step(); // the agent starts and installs
        sim.removeUnit("a/0");
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const kinds = of(hooks, "a/0").map((h) => h.kind);
        return kinds[0] === "install" && kinds.at(-1) === "remove" && !kinds.includes("stop");
      },
    );
  });
});

describe("orders charmsim reached before, still reached", () => {
  it("a data-driven relation-changed(X) before relation-joined(Y)", () => {
    reach(
      (seed) => {
        const { sim } = pair(seed, 2, 1);
        sim.settle();
        sim.addUnit("p");
        sim.exec("p/0", (c) => c.model.getRelation("db")?.data.get(c.unit).set("x", "1"));
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const r = of(hooks, "r/0").map(label);
        const changed = r.findIndex(
          (h, i) =>
            h.endsWith(" p/0") &&
            h.startsWith("relation-changed") &&
            !r[i - 1]?.startsWith("relation-joined"),
        );
        const joined = r.findIndex((h) => h.startsWith("relation-joined") && h.endsWith(" p/2"));
        return changed >= 0 && joined > changed;
      },
    );
  });

  it("relation-departed(X) then relation-joined(Y), and relation-joined(Y) then relation-departed(X)", () => {
    // One watcher delivers in order: joined(p/2) can come first only when p/2 entered the
    // scope before p/0 left it.
    const build = (seed: number) => {
      const { sim } = pair(seed, 2, 1);
      sim.settle();
      if (seed % 2 === 0) {
        sim.removeUnit("p/0");
        sim.addUnit("p");
      } else {
        sim.addUnit("p");
        for (let i = 0; i < 8 && sim.step(); i++);
        sim.removeUnit("p/0");
      }
      sim.settle();
      return sim;
    };
    const order = (hooks: readonly HookRecord[]) => {
      const r = of(hooks, "r/0");
      return {
        departed: seqOf(r, (h) => h.kind === "relation-departed" && h.remote === "p/0"),
        joined: seqOf(r, (h) => h.kind === "relation-joined" && h.remote === "p/2"),
      };
    };
    reach(build, (_r, hooks) => {
      const o = order(hooks);
      return o.departed >= 0 && o.joined > o.departed;
    });
    reach(build, (_r, hooks) => {
      const o = order(hooks);
      return o.joined >= 0 && o.departed > o.joined;
    });
  });

  it("leader-elected and config-changed between relation-joined(R) and relation-changed(R)", () => {
    const between = (kind: string) =>
      reach(
        (seed) => {
          const { sim } = pair(seed, 1, 2);
          sim.settle();
          sim.addUnit("p");
          for (let i = 0; i < (seed % 13) + 3 && sim.step(); i++);
          sim.setLeader("p/1");
          sim.setConfig("p", {});
          sim.trust("p");
          sim.settle();
          return sim;
        },
        (_records, hooks) => {
          const p = of(hooks, "p/1");
          return p.some((h, i) => {
            if (h.kind !== "relation-joined") return false;
            const next = p.slice(i + 1);
            const changed = next.findIndex(
              (n) => n.kind === "relation-changed" && n.remote === h.remote,
            );
            return changed > 0 && next.slice(0, changed).some((n) => n.kind === kind);
          });
        },
      );
    between("leader-elected");
    between("config-changed");
  });

  it("relation-broken of one relation while another has a pending change", () => {
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("p", Plain, { meta: provMeta });
        sim.deploy("q", Plain, { meta: provMeta });
        sim.deploy("r", Plain, { meta: reqMeta });
        const one = sim.integrate("p:db", "r:db");
        sim.integrate("q:db", "r:db");
        sim.settle();
        sim.exec("q/0", (c) => c.model.getRelation("db")?.data.get(c.unit).set("x", "1"));
        sim.removeRelation(one);
        sim.settle();
        return sim;
      },
      (records, hooks) => {
        const write = records.find((r) => r.t === "commit" && r.unit === "q/0")?.seq ?? -1;
        const r = of(hooks, "r/0");
        const broken = seqOf(r, (h) => h.kind === "relation-broken");
        const changed = seqOf(
          r,
          (h) => h.kind === "relation-changed" && h.remote === "q/0" && h.seq > write,
        );
        return write >= 0 && broken > write && changed > broken;
      },
    );
  });

  it("two relations interleaved on one unit", () => {
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("p", Plain, { meta: provMeta, units: 2 });
        sim.deploy("q", Plain, { meta: provMeta, units: 2 });
        sim.deploy("r", Plain, { meta: reqMeta });
        sim.integrate("p:db", "r:db");
        sim.integrate("q:db", "r:db");
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const rels = of(hooks, "r/0")
          .filter((h) => h.kind === "relation-joined" || h.kind === "relation-changed")
          .map((h) => h.rel);
        return rels.some((x, i) => i >= 2 && x === rels[i - 2] && x !== rels[i - 1]);
      },
    );
  });

  it("an application-level relation-changed before any relation-joined", () => {
    const Writer = charm((c, fw) => {
      fw.observe(c.on.leaderElected, () => {
        for (const rel of c.model.relations("db")) rel.data.get(c.app).set("hello", "1");
      });
    });
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("p", Writer, { meta: provMeta });
        sim.deploy("r", Plain, { meta: reqMeta });
        sim.integrate("p:db", "r:db");
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const r = of(hooks, "r/0");
        const app = seqOf(r, (h) => h.kind === "relation-changed" && h.app === "p");
        const joined = seqOf(r, (h) => h.kind === "relation-joined");
        return app >= 0 && joined > app;
      },
    );
  });

  it("departures and joins out of sorted order across snapshots", () => {
    reach(
      (seed) => {
        const { sim } = pair(seed, 3, 1);
        sim.settle();
        sim.removeUnit("p/2");
        for (let i = 0; i < seed % 5 && sim.step(); i++);
        sim.removeUnit("p/0");
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const r = of(hooks, "r/0")
          .filter((h) => h.kind === "relation-departed")
          .map((h) => h.remote);
        return r.indexOf("p/2") >= 0 && r.indexOf("p/0") > r.indexOf("p/2");
      },
    );
  });

  it("relation-created after start", () => {
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("p", Plain, { meta: provMeta });
        sim.deploy("r", Plain, { meta: reqMeta });
        sim.settle();
        sim.integrate("p:db", "r:db");
        sim.settle();
        return sim;
      },
      (_records, hooks) =>
        seqOf(of(hooks, "r/0"), (h) => h.kind === "relation-created") >
        seqOf(of(hooks, "r/0"), (h) => h.kind === "start"),
    );
  });

  it("relation-created then relation-broken with no relation-joined", () => {
    reach(
      (seed) => {
        const sim = new Simulation({ seed });
        sim.deploy("p", Plain, { meta: provMeta });
        sim.deploy("r", Plain, { meta: reqMeta });
        sim.settle();
        const id = sim.integrate("p:db", "r:db");
        for (let i = 0; i < (seed % 4) + 1 && sim.step(); i++);
        sim.removeRelation(id);
        sim.settle();
        return sim;
      },
      (_records, hooks) => {
        const r = of(hooks, "r/0")
          .filter((h) => h.rel !== undefined)
          .map((h) => h.kind);
        return (
          r[0] === "relation-created" &&
          r.includes("relation-broken") &&
          !r.includes("relation-joined")
        );
      },
    );
  });
});
