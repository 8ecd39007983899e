import { describe, expect, it } from "vitest";
import { RelationDataAccessError } from "../../src/harness/ops/errors.js";
import { Simulation } from "../../src/harness/simulation.js";
import { ModelOperationError } from "../../src/model/juju-model.js";
import {
  charm,
  expectInvariants,
  hooksOf,
  logsOf,
  Plain,
  peerMeta,
  provMeta,
  SteeringScheduler,
  stepUnit,
} from "./charms.js";

const SEEDS = Array.from({ length: 20 }, (_, i) => i);

/** Logs isLeader() at the start and at the end of every hook. */
const LeaderLogger = charm((c, fw) => {
  const kinds = [
    c.on.install,
    c.on.start,
    c.on.configChanged,
    c.on.leaderElected,
    c.on.leaderSettingsChanged,
    c.on.updateStatus,
  ] as const;
  for (const k of kinds) {
    fw.observe(k, () => fw.logger.info(`${k.kind} leader=${c.unit.isLeader()}`));
    fw.observe(k, () => fw.logger.info(`${k.kind} still=${c.unit.isLeader()}`));
  }
});

describe("leadership", () => {
  it("the first unit leads; setLeader moves leadership between hooks: the new leader runs leader-elected", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ seed });
      sim.deploy("a", LeaderLogger, { meta: provMeta, units: 3 });
      sim.settle();
      expect(sim.leader("a")).toBe("a/0");
      // Every non-leader ran leader-settings-changed once at start-up (the leader-settings
      // watcher's initial event); the leader, which accepted leadership, did not.
      expect(hooksOf(sim, "a/0")).not.toContain("leader-settings-changed");
      for (const u of ["a/1", "a/2"])
        expect(hooksOf(sim, u).filter((h) => h === "leader-settings-changed")).toHaveLength(1);
      const before = new Map(sim.units("a").map((u) => [u, hooksOf(sim, u).length]));
      sim.setLeader("a/2");
      sim.settle();
      expect(sim.leader("a")).toBe("a/2");
      expect(hooksOf(sim, "a/2").slice(before.get("a/2"))).toEqual(["leader-elected"]);
      // A change of leader does not move the leader-settings version: a/1, which handled it
      // already, runs nothing; a/0, deposed, handles it now for the first time.
      expect(hooksOf(sim, "a/1").slice(before.get("a/1"))).toEqual([]);
      expect(hooksOf(sim, "a/0").slice(before.get("a/0"))).toEqual(["leader-settings-changed"]);
      // isLeader() is fixed for the whole hook and matches the hook record.
      for (const h of sim.trace.hooks()) {
        if (h.kind === "leader-elected") expect(h.leader).toBe(true);
      }
      for (const u of sim.units("a")) {
        const logs = logsOf(sim, u);
        for (let i = 0; i < logs.length; i += 2) {
          const [kind, first] = (logs[i] as string).split(" leader=");
          expect(logs[i + 1]).toBe(`${kind} still=${first}`);
        }
      }
      expectInvariants(sim);
    }
  });

  it("leadership moved twice before the first new leader ran: only the final leader runs leader-elected", () => {
    const sched = new SteeringScheduler(3);
    const sim = new Simulation({ scheduler: sched });
    sim.deploy("a", LeaderLogger, { meta: provMeta, units: 3 });
    sim.settle();
    const before = hooksOf(sim, "a/1").length;
    sim.setLeader("a/1");
    sim.setLeader("a/2");
    sim.settle();
    const elected = sim.trace.hooks().filter((h) => h.kind === "leader-elected");
    expect(elected.map((h) => h.unit)).toEqual(["a/0", "a/2"]);
    // a/1's leadership watcher reports the leadership as it is now: not the leader.
    expect(hooksOf(sim, "a/1").slice(before)).toEqual([]);
    expectInvariants(sim);
  });

  it("a unit that gained and lost leadership before its agent noticed runs no leadership hook", () => {
    const sched = new SteeringScheduler(4);
    const sim = new Simulation({ scheduler: sched });
    sim.deploy("a", LeaderLogger, { meta: provMeta, units: 2 });
    sim.settle();
    const before = hooksOf(sim, "a/1").length;
    sim.setLeader("a/1");
    // a/0 learns it lost leadership: it resigns, and handles the leader-settings version it
    // never handled while leader.
    expect(stepUnit(sim, sched, "a/0").kind).toBe("leader-settings-changed");
    sim.setLeader("a/0");
    sim.settle();
    expect(hooksOf(sim, "a/1").slice(before)).toEqual([]);
    expect(hooksOf(sim, "a/0").slice(-1)).toEqual(["leader-elected"]);
    expectInvariants(sim);
  });

  it("removing the leader elects another unit, which runs leader-elected", () => {
    const chosen = new Set<string>();
    for (const seed of SEEDS) {
      const sim = new Simulation({ seed });
      sim.deploy("a", Plain, { meta: peerMeta, units: 3 });
      sim.settle();
      sim.removeUnit("a/0");
      // The dying leader keeps leadership until it is gone.
      expect(sim.leader("a")).toBe("a/0");
      sim.settle();
      const leader = sim.leader("a");
      expect(leader === "a/1" || leader === "a/2").toBe(true);
      chosen.add(leader as string);
      const removeSeq = sim.trace.hooks().find((h) => h.unit === "a/0" && h.kind === "remove")?.seq;
      const elected = sim.trace
        .hooks()
        .filter((h) => h.kind === "leader-elected" && h.unit === leader);
      expect(elected).toHaveLength(1);
      expect(elected[0]?.seq).toBeGreaterThan(removeSeq as number);
      // The leader record names the new leader right after the remove hook.
      const leaderRecords = sim.trace.records.filter((r) => r.t === "leader");
      expect(leaderRecords.at(-1)).toMatchObject({ app: "a", unit: leader });
      expectInvariants(sim);
    }
    expect(chosen.size).toBe(2);
  });

  it("records no leader once the last unit of an application is gone", () => {
    const sim = new Simulation({ seed: 3 });
    sim.deploy("a", Plain, { meta: peerMeta, units: 1 });
    sim.deploy("b", Plain, { meta: peerMeta, units: 1 });
    sim.settle();
    sim.removeUnit("a/0");
    sim.settle();
    expect(sim.leader("a")).toBeNull();
    const records = sim.trace.records.filter((r) => r.t === "leader");
    expect(records.at(-1)).toMatchObject({ app: "a", unit: null });
    // Recorded once, after the unit's remove hook, and not again while nothing changes.
    const removed = sim.trace.hooks().find((h) => h.unit === "a/0" && h.kind === "remove")?.seq;
    expect(records.filter((r) => r.app === "a" && r.unit === null)).toHaveLength(1);
    expect(records.at(-1)?.seq).toBeGreaterThan(removed as number);
    sim.addUnit("a");
    sim.settle();
    expect(sim.trace.records.filter((r) => r.t === "leader").at(-1)).toMatchObject({
      app: "a",
      unit: "a/1",
    });
    expectInvariants(sim);
  });

  it("at most one leader at every record, through many leadership moves", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ seed });
      sim.deploy("a", LeaderLogger, { meta: peerMeta, units: 4 });
      for (const u of ["a/3", "a/1", "a/2", "a/0", "a/1"]) {
        sim.setLeader(u);
        for (let i = 0; i < seed % 4; i++) sim.step();
      }
      sim.settle();
      expect(sim.leader("a")).toBe("a/1");
      expectInvariants(sim);
    }
  });

  it("setLeader refuses a dying or unknown unit", () => {
    const sim = new Simulation({ seed: 1 });
    sim.deploy("a", Plain, { meta: provMeta, units: 2 });
    sim.settle();
    sim.removeUnit("a/1");
    expect(() => sim.setLeader("a/1")).toThrow(/being removed/);
    expect(() => sim.setLeader("a/9")).toThrow(ModelOperationError);
  });
});

describe("peer relations", () => {
  /** The leader writes the peer app bag; every unit logs what it sees of it. */
  const Peer = charm((c, fw) => {
    const rel = () => c.model.getRelation("cluster");
    fw.observe(c.on.leaderElected, () => {
      rel()?.data.get(c.app).set("leader", c.unit.name);
    });
    fw.observe(c.on.relation("cluster").changed, (e) => {
      if (e.unit === null) {
        fw.logger.info(`app ${JSON.stringify(e.relation.data.get(c.app).toObject())}`);
      }
    });
    fw.observe(c.on.updateStatus, () => {
      // A non-leader may read the peer app bag but not write it.
      const bag = rel()?.data.get(c.app);
      fw.logger.info(`read ${bag?.get("leader")}`);
      try {
        bag?.set("x", "1");
        fw.logger.info("wrote");
      } catch (e) {
        fw.logger.info(e instanceof RelationDataAccessError ? "refused" : String(e));
      }
    });
  });

  it("created at deploy; peers join each other; the app bag is written by the leader, read by all", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ seed });
      sim.deploy("a", Peer, { meta: peerMeta, units: 3 });
      sim.settle();
      const peerRel = 1;
      expect(sim.model.relations.get(peerRel)?.peer).toBe(true);
      for (const u of sim.units("a")) {
        const hooks = hooksOf(sim, u, peerRel);
        expect(hooks[0]).toBe(`relation-created ${peerRel}`);
        const others = sim.units("a").filter((o) => o !== u);
        for (const o of others) {
          const j = hooks.indexOf(`relation-joined ${peerRel} ${o}`);
          expect(j).toBeGreaterThan(0);
          expect(hooks[j + 1]).toBe(`relation-changed ${peerRel} ${o}`);
        }
      }
      expect(sim.bag(peerRel, "a")).toEqual({ leader: "a/0" });
      // Non-leaders get the app-level changed; the leader (the writer) does not.
      expect(hooksOf(sim, "a/0", peerRel)).not.toContain(`relation-changed ${peerRel} app:a`);
      for (const u of ["a/1", "a/2"]) {
        expect(
          hooksOf(sim, u, peerRel).filter((h) => h === `relation-changed ${peerRel} app:a`),
        ).toHaveLength(1);
        expect(logsOf(sim, u)).toEqual(['app {"leader":"a/0"}']);
      }
      // A non-leader reads the peer app bag but may not write it.
      sim.updateStatus("a/1");
      sim.settle();
      expect(logsOf(sim, "a/1").slice(-2)).toEqual(["read a/0", "refused"]);
      sim.updateStatus("a/0");
      sim.settle();
      expect(logsOf(sim, "a/0").slice(-2)).toEqual(["read a/0", "wrote"]);
      for (const u of ["a/1", "a/2"]) {
        // The leader's write during update-status reaches the others as an app-level changed.
        expect(logsOf(sim, u)).toContain('app {"leader":"a/0","x":"1"}');
      }
      expectInvariants(sim);
    }
  });

  it("a new leader's write reaches the other peers, the old leader included", () => {
    const sim = new Simulation({ seed: 9 });
    sim.deploy("a", Peer, { meta: peerMeta, units: 3 });
    sim.settle();
    sim.setLeader("a/2");
    sim.settle();
    expect(sim.bag(1, "a")).toEqual({ leader: "a/2" });
    for (const u of ["a/0", "a/1"]) expect(logsOf(sim, u).at(-1)).toBe('app {"leader":"a/2"}');
    expect(hooksOf(sim, "a/2", 1).filter((h) => h.endsWith("app:a"))).toHaveLength(1);
    expectInvariants(sim);
  });

  it("no relation-broken for a peer relation: not on unit removal, not on application removal", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ seed });
      sim.deploy("a", Plain, { meta: peerMeta, units: 3 });
      sim.settle();
      sim.removeUnit("a/1");
      sim.settle();
      expect(hooksOf(sim, "a/1", 1).slice(-2)).toEqual([
        "relation-departed 1 a/0 departing:a/1",
        "relation-departed 1 a/2 departing:a/1",
      ]);
      expect(hooksOf(sim, "a/1").slice(-2)).toEqual(["stop", "remove"]);
      for (const u of ["a/0", "a/2"])
        expect(hooksOf(sim, u, 1).at(-1)).toBe("relation-departed 1 a/1 departing:a/1");
      sim.removeApplication("a");
      sim.settle();
      expect(sim.trace.hooks().filter((h) => h.kind === "relation-broken")).toEqual([]);
      for (const u of ["a/0", "a/2"]) expect(hooksOf(sim, u).slice(-2)).toEqual(["stop", "remove"]);
      expect(sim.model.apps.get("a")?.life).toBe("removed");
      expectInvariants(sim);
    }
  });

  it("a peer relation cannot be removed or integrated on its own", () => {
    const sim = new Simulation({ seed: 1 });
    sim.deploy("a", Plain, { meta: peerMeta });
    sim.deploy("b", Plain, { meta: peerMeta });
    expect(() => sim.removeRelation(1)).toThrow(/peer relation; it goes with its application/);
    expect(() => sim.integrate("a:cluster", "b:cluster")).toThrow(
      /peer endpoints cannot be integrated/,
    );
  });
});

describe("config and trust", () => {
  const ConfigLogger = charm((c, fw) => {
    fw.observe(c.on.configChanged, () => {
      fw.logger.info(`config ${JSON.stringify(c.config)}`);
      try {
        fw.logger.info(`credential ${c.model.credentialGet().endpoint}`);
      } catch (e) {
        fw.logger.info(`credential refused: ${(e as Error).name}`);
      }
    });
  });
  const config = { options: { level: { type: "string" as const, default: "info" } } };

  it("config-changed after setConfig, coalesced, and not when the value is unchanged", () => {
    for (const seed of SEEDS.slice(0, 5)) {
      const sim = new Simulation({ seed });
      sim.deploy("a", ConfigLogger, { meta: provMeta, config, units: 2 });
      sim.settle();
      expect(logsOf(sim, "a/0")[0]).toBe('config {"level":"info"}');
      const n = hooksOf(sim, "a/0").length;
      sim.setConfig("a", { level: "debug" });
      sim.setConfig("a", { level: "warning" });
      sim.settle();
      for (const u of sim.units("a")) {
        expect(hooksOf(sim, u).slice(n)).toEqual(["config-changed"]);
        expect(logsOf(sim, u).at(-2)).toBe('config {"level":"warning"}');
      }
      sim.setConfig("a", { level: "warning" });
      sim.settle();
      for (const u of sim.units("a")) expect(hooksOf(sim, u)).toHaveLength(n + 1);
      expect(() => sim.setConfig("a", { level: 3 })).toThrow(/a\.level is string; got 3/);
      expect(() => sim.setConfig("a", { nope: "x" })).toThrow(/no config option "nope"/);
      expectInvariants(sim);
    }
  });

  it("trust() makes config-changed run, and credential-get works only when trusted", () => {
    const sim = new Simulation({ seed: 2 });
    sim.setCloudCredential({
      endpoint: "https://lxd.example:8443",
      type: "certificate",
      attrs: {},
    });
    sim.deploy("a", ConfigLogger, { meta: provMeta, config });
    sim.settle();
    expect(logsOf(sim, "a/0").at(-1)).toBe("credential refused: PermissionDeniedError");
    const n = hooksOf(sim, "a/0").length;
    sim.trust("a");
    sim.settle();
    expect(hooksOf(sim, "a/0").slice(n)).toEqual(["config-changed"]);
    expect(logsOf(sim, "a/0").at(-1)).toBe("credential https://lxd.example:8443");
    sim.trust("a"); // unchanged: no hook
    sim.settle();
    expect(hooksOf(sim, "a/0")).toHaveLength(n + 1);
    sim.trust("a", false);
    sim.settle();
    expect(hooksOf(sim, "a/0")).toHaveLength(n + 2);
    expect(logsOf(sim, "a/0").at(-1)).toBe("credential refused: PermissionDeniedError");
  });
});

describe("own writes and pending remote writes", () => {
  it("a new leader that writes the peer app bag still gets the change the old leader made", () => {
    const Writer = charm((c, fw) => {
      fw.observe(c.on.leaderElected, () => {
        c.model.getRelation("cluster")?.data.get(c.app).set("leader", c.unit.name);
      });
      fw.observe(c.on.updateStatus, () => {
        c.model.getRelation("cluster")?.data.get(c.app).set("note", `from ${c.unit.name}`);
      });
      fw.observe(c.on.relation("cluster").changed, (e) => {
        if (!e.unit) fw.logger.info(`app ${JSON.stringify(e.relation.data.get(c.app).toObject())}`);
      });
    });
    const sched = new SteeringScheduler(1);
    const sim = new Simulation({ scheduler: sched });
    sim.deploy("a", Writer, { meta: peerMeta, units: 2 });
    sim.settle();
    // a/0 (leader) writes; before a/1 handles it, a/1 becomes leader and writes too.
    sim.updateStatus("a/0");
    expect(stepUnit(sim, sched, "a/0").kind).toBe("update-status");
    sim.setLeader("a/1");
    expect(stepUnit(sim, sched, "a/1").kind).toBe("leader-elected");
    sim.settle();
    // a/1 saw a/0's write (coalesced with its own): one app-level changed, seeing the latest.
    expect(logsOf(sim, "a/1").at(-1)).toBe('app {"leader":"a/1","note":"from a/0"}');
    expect(logsOf(sim, "a/0").at(-1)).toBe('app {"leader":"a/1","note":"from a/0"}');
    expectInvariants(sim);
  });
});
