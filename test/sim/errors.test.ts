import { describe, expect, it } from "vitest";
import type { Framework } from "../../src/harness/ops/framework.js";
import { Simulation } from "../../src/harness/simulation.js";
import type { HookKind } from "../../src/model/hooks.js";
import { ActiveStatus } from "../../src/model/status.js";
import {
  charm,
  expectInvariants,
  hooksOf,
  label,
  Plain,
  provMeta,
  reqMeta,
  SteeringScheduler,
  stepUnit,
} from "./charms.js";

const SEEDS = Array.from({ length: 20 }, (_, i) => i);

/**
 * A charm that, in every hook, writes its unit bag and sets a status and a stored counter, then
 * throws while `failing.has(kind)` (or while `failures` is positive, counting down).
 */
function faulty(control: { failing: Set<HookKind>; failures?: number }) {
  return charm((c, fw: Framework) => {
    const stored = fw.storedState(c, "state", { hooks: 0 });
    const work = (kind: HookKind) => () => {
      stored.hooks = Number(stored.hooks) + 1;
      c.unit.status = new ActiveStatus(`ran ${kind}`);
      const rel = c.model.getRelation("db");
      if (rel) rel.data.get(c.unit).set("last", kind);
      if (control.failing.has(kind)) {
        if (control.failures === undefined) throw new Error(`${kind} failed`);
        if (control.failures > 0) {
          control.failures -= 1;
          throw new Error(`${kind} failed`);
        }
      }
    };
    fw.observe(c.on.configChanged, work("config-changed"));
    fw.observe(c.on.updateStatus, work("update-status"));
    fw.observe(c.on.relation("db").joined, work("relation-joined"));
    fw.observe(c.on.relation("db").changed, work("relation-changed"));
    fw.observe(c.on.relation("db").created, work("relation-created"));
  });
}

const config = { options: { level: { type: "string" as const, default: "a" } } };

describe("a failing hook", () => {
  it("commits nothing, puts the unit in error and blocks its hooks until resolve()", () => {
    const control = { failing: new Set<HookKind>() };
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", faulty(control), { meta: provMeta, config });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    const bag = sim.bag(id, "p/0");
    const status = sim.unitStatus("p/0");
    const stored = sim.model.unit("p/0").storedStates;
    const commits = sim.trace.records.filter((r) => r.t === "commit").length;

    control.failing.add("config-changed");
    sim.setConfig("p", { level: "b" });
    sim.settle();
    expect(hooksOf(sim, "p/0").at(-1)).toBe("config-changed!");
    expect(sim.unitsInError()).toEqual([{ unit: "p/0", hook: { kind: "config-changed" } }]);
    expect(sim.bag(id, "p/0")).toEqual(bag);
    expect(sim.unitStatus("p/0")).toBe(status);
    expect(sim.model.unit("p/0").storedStates).toBe(stored);
    expect(sim.trace.records.filter((r) => r.t === "commit")).toHaveLength(commits);
    const failed = sim.trace.hooks().at(-1);
    expect(failed?.error).toBe("Error: config-changed failed");
    expect(() => sim.assertNoErrors()).toThrow(/config-changed failed/);

    // Blocked: more work for p/0 runs nothing there; other units carry on.
    const n = hooksOf(sim, "p/0").length;
    sim.updateStatus();
    sim.settle();
    expect(hooksOf(sim, "p/0")).toHaveLength(n);
    expect(hooksOf(sim, "r/0").at(-1)).toBe("update-status");
    expect(() => sim.runAction("p/0", "nope")).toThrow(/no action/);
    expectInvariants(sim);
  });

  it("resolve({ retry: true }) re-runs the failed hook first, even with other work pending", () => {
    for (const seed of SEEDS) {
      const control = { failing: new Set<HookKind>(["relation-changed"]) };
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", faulty(control), { meta: provMeta, config });
      sim.deploy("r", Plain, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      expect(hooksOf(sim, "p/0").at(-1)).toBe(`relation-changed ${id} r/0!`);
      // More work arrives while p/0 is in error.
      sim.setConfig("p", { level: "b" });
      sim.updateStatus("p/0");
      sim.exec("r/0", (c) => c.model.getRelation("db")?.data.get(c.unit).set("x", "1"));
      control.failing.clear();
      sim.resolve("p/0", { retry: true });
      const n = hooksOf(sim, "p/0").length;
      sim.settle();
      const after = hooksOf(sim, "p/0").slice(n);
      expect(after[0]).toBe(`relation-changed ${id} r/0`);
      // Then config-changed; update-status unless another hook's commit consumed the tick; and
      // relation-changed(r/0) again when the retried hook recorded the settings version it was
      // made with, which r/0's write while p/0 was in error has moved past.
      expect(after).toContain("config-changed");
      for (const h of after.slice(1))
        expect(["config-changed", "update-status", `relation-changed ${id} r/0`]).toContain(h);
      expect(after.filter((h) => h === "config-changed")).toHaveLength(1);
      expect(sim.bag(id, "p/0")).toEqual({ last: after.at(-1)?.split(" ")[0] });
      const resolve = sim.trace.records.find((r) => r.t === "resolve");
      expect(resolve).toMatchObject({ unit: "p/0", retry: true });
      expectInvariants(sim);
    }
  });

  it("resolve({ retry: false }) counts the hook as done: it does not run again", () => {
    const control = { failing: new Set<HookKind>(["config-changed"]) };
    const sim = new Simulation({ jujuBagKeys: false, seed: 2 });
    sim.deploy("p", faulty(control), { meta: provMeta, config });
    sim.settle();
    expect(hooksOf(sim, "p/0")).toEqual(["install", "leader-elected", "config-changed!"]);
    sim.resolve("p/0", { retry: false });
    sim.settle();
    expect(hooksOf(sim, "p/0")).toEqual(["install", "leader-elected", "config-changed!", "start"]);
    // The failed config-changed's counter increment was not kept.
    expect(sim.model.unit("p/0").storedStates.map((s) => s.content)).toEqual([{ hooks: 0 }]);
    expect(() => sim.resolve("p/0")).toThrow(/not in error/);
    expectInvariants(sim);
  });

  it("a failed relation-joined resolved without retry is followed by its relation-changed", () => {
    const control = { failing: new Set<HookKind>(["relation-joined"]) };
    const sim = new Simulation({ jujuBagKeys: false, seed: 3 });
    sim.deploy("p", faulty(control), { meta: provMeta });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    control.failing.clear();
    sim.resolve("p/0", { retry: false });
    sim.settle();
    expect(hooksOf(sim, "p/0", id)).toEqual([
      `relation-created ${id}`,
      `relation-joined ${id} r/0!`,
      `relation-changed ${id} r/0`,
    ]);
    expectInvariants(sim);
  });

  it("onHookError 'retry' re-runs the hook until it passes; the trace shows each attempt", () => {
    const control = { failing: new Set<HookKind>(["config-changed"]), failures: 2 };
    const sim = new Simulation({ jujuBagKeys: false, seed: 4, onHookError: "retry" });
    sim.deploy("p", faulty(control), { meta: provMeta, config });
    sim.settle();
    expect(hooksOf(sim, "p/0")).toEqual([
      "install",
      "leader-elected",
      "config-changed!",
      "config-changed!",
      "config-changed",
      "start",
    ]);
    const resolves = sim.trace.records.filter((r) => r.t === "resolve");
    expect(resolves.map((r) => r.t === "resolve" && r.retry)).toEqual([true, true]);
    expect(sim.unitsInError()).toEqual([]);
    expectInvariants(sim);
  });

  it("onHookError 'skip' drops the failed hook (nothing committed) and carries on", () => {
    const control = { failing: new Set<HookKind>(["config-changed"]) };
    const sim = new Simulation({ jujuBagKeys: false, seed: 5, onHookError: "skip" });
    sim.deploy("p", faulty(control), { meta: provMeta, config });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    expect(hooksOf(sim, "p/0").filter((h) => h.startsWith("config-changed"))).toEqual([
      "config-changed!",
    ]);
    expect(hooksOf(sim, "p/0")).toContain("start");
    expect(sim.bag(id, "p/0").last).not.toBe("config-changed");
    expect(sim.unitsInError()).toEqual([]);
    expectInvariants(sim);
  });

  it("onHookError 'retry' on a hook that always fails hits the settle bound instead of hanging", () => {
    const control = { failing: new Set<HookKind>(["config-changed"]) };
    const sim = new Simulation({ jujuBagKeys: false, seed: 6, onHookError: "retry" });
    sim.deploy("p", faulty(control), { meta: provMeta, config });
    expect(() => sim.settle({ maxHooks: 50 })).toThrow(/p\/0 config-changed x\d+/);
    // The same hook repeating and changing nothing: a livelock, said so.
    const again = new Simulation({ jujuBagKeys: false, seed: 6, onHookError: "retry" });
    again.deploy("p", faulty(control), { meta: provMeta, config });
    expect(() => again.settle({ maxHooks: 50 })).toThrow(/livelock: the same hooks repeat/);
  });

  it("a relation removed while its relation-created failed: resolving leaves a consistent unit", () => {
    for (const retry of [true, false]) {
      const control = { failing: new Set<HookKind>(["relation-created"]) };
      const sim = new Simulation({ jujuBagKeys: false, seed: 7 });
      sim.deploy("p", faulty(control), { meta: provMeta });
      sim.deploy("r", Plain, { meta: reqMeta });
      sim.settle();
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      expect(hooksOf(sim, "p/0", id)).toEqual([`relation-created ${id}!`]);
      sim.removeRelation(id);
      sim.settle();
      control.failing.clear();
      sim.resolve("p/0", { retry });
      sim.settle();
      expect(sim.model.relations.get(id)?.life).toBe("removed");
      expect(sim.pendingUnits()).toEqual([]);
      expectInvariants(sim);
    }
  });

  it("a remote unit removed while relation-joined about it failed: resolving departs it properly", () => {
    for (const retry of [true, false]) {
      const sched = new SteeringScheduler(8);
      const control = { failing: new Set<HookKind>() };
      const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
      sim.deploy("p", faulty(control), { meta: provMeta });
      sim.deploy("r", Plain, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      sim.addUnit("r");
      stepUnit(sim, sched, "r/1");
      stepUnit(sim, sched, "r/1");
      control.failing.add("relation-joined");
      expect(label(stepUnit(sim, sched, "p/0"))).toBe(`relation-joined ${id} r/1!`);
      sim.removeUnit("r/1");
      sim.settle();
      control.failing.clear();
      sim.resolve("p/0", { retry });
      sim.settle();
      const tail = hooksOf(sim, "p/0", id).slice(-3);
      expect(tail).toEqual([
        retry ? `relation-joined ${id} r/1` : `relation-joined ${id} r/1!`,
        `relation-changed ${id} r/1`,
        `relation-departed ${id} r/1 departing:r/1`,
      ]);
      expect(sim.agents.get("p/0").local.states.get(id)?.members.has("r/1")).toBe(false);
      expectInvariants(sim);
    }
  });

  it("a failed leader-elected is not retried on a unit that has lost leadership since", () => {
    const failing = new Set<string>(["a/0"]);
    const Elected = charm((c, fw) => {
      fw.observe(c.on.leaderElected, () => {
        if (failing.has(c.unit.name)) throw new Error("cannot lead");
      });
    });
    const sim = new Simulation({ jujuBagKeys: false, seed: 9 });
    sim.deploy("a", Elected, { meta: provMeta, units: 2 });
    sim.settle();
    expect(hooksOf(sim, "a/0").at(-1)).toBe("leader-elected!");
    sim.setLeader("a/1");
    failing.clear();
    sim.resolve("a/0", { retry: true });
    sim.settle();
    // The retried leader-elected is skipped (a/0 is no longer the leader when it would run);
    // a/0 resigns when its leadership watcher tells it, and runs leader-settings-changed then,
    // before or after its config-changed and the start that follows it.
    const after = hooksOf(sim, "a/0");
    const failed = after.lastIndexOf("leader-elected!");
    expect(after.slice(failed + 1).sort()).toEqual([
      "config-changed",
      "leader-settings-changed",
      "start",
    ]);
    expect(after[after.indexOf("config-changed") + 1]).toBe("start");
    expect(hooksOf(sim, "a/1")).toContain("leader-elected");
    expectInvariants(sim);
  });

  it("a failed relation-broken is retried and stays the last hook of its relation", () => {
    for (const retry of [true, false]) {
      let fail = true;
      const Breaker = charm((c, fw) => {
        fw.observe(c.on.relation("db").broken, () => {
          if (fail) throw new Error("cannot break");
        });
      });
      const sim = new Simulation({ jujuBagKeys: false, seed: 10 });
      sim.deploy("p", Plain, { meta: provMeta, units: 2 });
      sim.deploy("r", Breaker, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      sim.removeRelation(id);
      sim.settle();
      expect(hooksOf(sim, "r/0").at(-1)).toBe(`relation-broken ${id}!`);
      expect(sim.model.relations.get(id)?.life).toBe("dying");
      fail = false;
      sim.resolve("r/0", { retry });
      sim.settle();
      expect(hooksOf(sim, "r/0", id).slice(-2)).toEqual(
        retry
          ? [`relation-broken ${id}!`, `relation-broken ${id}`]
          : [`relation-departed ${id} p/1 departing:p/1`, `relation-broken ${id}!`],
      );
      expect(sim.model.relations.get(id)?.life).toBe("removed");
      expectInvariants(sim);
    }
  });
});
