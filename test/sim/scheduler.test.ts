import { describe, expect, it } from "vitest";
import {
  ListScheduler,
  Prng,
  RecordingScheduler,
  type Scheduler,
  SeededScheduler,
} from "../../src/harness/scheduler.js";
import { Simulation } from "../../src/harness/simulation.js";
import { charm, peerMeta, provMeta, reqMeta } from "./charms.js";

const draw = (s: Scheduler, ns: readonly number[]) => ns.map((n) => s.choose(n, "test"));

describe("SeededScheduler", () => {
  it("is deterministic per seed, in range, and differs across seeds", () => {
    const ns = Array.from({ length: 200 }, (_, i) => 1 + (i % 7));
    const a = draw(new SeededScheduler(5), ns);
    expect(draw(new SeededScheduler(5), ns)).toEqual(a);
    a.forEach((c, i) => {
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThan(ns[i] as number);
    });
    expect(draw(new SeededScheduler(6), ns)).not.toEqual(a);
    const e1 = new SeededScheduler(9);
    const e2 = new SeededScheduler(9);
    expect([e1.nextUint32(), e1.nextUint32()]).toEqual([e2.nextUint32(), e2.nextUint32()]);
  });

  it("covers every index of a choice", () => {
    const s: Scheduler = new SeededScheduler(1);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 5000; i++) {
      const c = s.choose(5, "x");
      counts[c] = (counts[c] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(300);
    expect(new Prng(3).below(1)).toBe(0);
    expect(new Prng(3).below(0)).toBe(0);
  });
});

describe("ListScheduler", () => {
  it("takes choices % n in order, consuming one only when n > 1, and 0 after the list ends", () => {
    const s: Scheduler & { readonly used: number } = new ListScheduler([7, 3, -5, 2.9]);
    expect(s.choose(1, "only one")).toBe(0);
    expect(s.used).toBe(0);
    expect(s.choose(3, "a")).toBe(1); // 7 % 3
    expect(s.choose(0, "none")).toBe(0);
    expect(s.choose(2, "b")).toBe(1); // 3 % 2
    expect(s.choose(4, "c")).toBe(1); // |-5| % 4
    expect(s.choose(5, "d")).toBe(2); // trunc(2.9) % 5
    expect(s.used).toBe(4);
    expect(s.choose(9, "past the end")).toBe(0);
    expect(s.choose(9, "past the end")).toBe(0);
    expect(s.used).toBe(6);
  });

  it("entropy is seeded, independent of the choice values, and in step with a SeededScheduler", () => {
    const a = new ListScheduler([1, 2, 3], 4);
    const b = new ListScheduler([9, 9, 9], 4);
    const seeded = new SeededScheduler(4);
    for (const s of [a, b, seeded]) draw(s, [3, 1, 5]);
    const e = seeded.nextUint32();
    expect(a.nextUint32()).toBe(e);
    expect(b.nextUint32()).toBe(e);
    expect(new ListScheduler([], 5).nextUint32()).not.toBe(new ListScheduler([], 4).nextUint32());
  });

  it("an empty list always takes the first option: a simple, reproducible run", () => {
    const sim = build(new ListScheduler([]));
    const again = build(new ListScheduler([]));
    expect(sim.trace.toJsonText()).toBe(again.trace.toJsonText());
  });
});

/** Uses the hook's entropy, as charms modelling unstable orders do. */
const EntropyUser = charm((c, fw) => {
  fw.observe(c.on.relation("db").joined, (e) => {
    e.relation.data.get(c.unit).set("entropy", String(fw.env.hookSeed % 1000));
  });
  fw.observe(c.on.configChanged, () => fw.logger.info(`entropy ${fw.env.hookSeed}`));
});

function build(scheduler: Scheduler): Simulation {
  const sim = new Simulation({ scheduler, seed: 77 });
  sim.deploy("p", EntropyUser, { meta: provMeta, units: 3 });
  sim.deploy("r", EntropyUser, { meta: reqMeta, units: 2 });
  sim.deploy("x", EntropyUser, { meta: { ...peerMeta, provides: provMeta.provides }, units: 3 });
  const id = sim.integrate("p:db", "r:db");
  for (let i = 0; i < 5; i++) sim.step();
  sim.addUnit("r");
  sim.setLeader("p/2");
  sim.settle();
  sim.removeUnit("p/0");
  sim.removeRelation(id);
  sim.settle();
  return sim;
}

describe("RecordingScheduler", () => {
  it("records the choices of a run; a ListScheduler replaying them gives the identical trace", () => {
    for (const seed of [0, 1, 2, 3, 77]) {
      const recorder = new RecordingScheduler(new SeededScheduler(seed));
      const original = build(recorder);
      expect(recorder.recorded.length).toBeGreaterThan(10);
      const plain = build(new SeededScheduler(seed));
      // Recording does not change the run.
      expect(original.trace.toJsonText()).toBe(plain.trace.toJsonText());
      const replay = build(new ListScheduler([...recorder.recorded], seed));
      expect(replay.trace.toJsonText()).toBe(original.trace.toJsonText());
    }
  });

  it("records only choices with more than one option", () => {
    const r = new RecordingScheduler(new ListScheduler([4, 1]));
    expect([r.choose(1, "a"), r.choose(5, "b"), r.choose(1, "c"), r.choose(3, "d")]).toEqual([
      0, 4, 0, 1,
    ]);
    expect(r.recorded).toEqual([4, 1]);
  });
});
