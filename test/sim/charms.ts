import { expect } from "vitest";
import { checkInvariants, formatViolations } from "../../src/harness/invariants.js";
import { CharmBase, type CharmClass } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import { Prng, type Scheduler } from "../../src/harness/scheduler.js";
import type { Simulation } from "../../src/harness/simulation.js";
import type { HookRecord, Trace } from "../../src/harness/trace.js";
import type { CharmMetaInput } from "../../src/model/metadata.js";

/** Charm code run in the charm's constructor: observe events here. */
export type Setup = (charm: CharmBase, fw: Framework) => void;

/** A charm class whose constructor runs `setup` (once per hook, like ops.main). */
export function charm(setup: Setup = () => {}): CharmClass {
  class TestCharm extends CharmBase {
    constructor(fw: Framework) {
      super(fw);
      setup(this, fw);
    }
  }
  return TestCharm;
}

/** A charm that does nothing: the hooks it gets are the agent's decisions alone. */
export const Plain = charm();

export const provMeta: CharmMetaInput = { name: "prov", provides: { db: { interface: "db" } } };
export const reqMeta: CharmMetaInput = { name: "req", requires: { db: { interface: "db" } } };
export const peerMeta: CharmMetaInput = {
  name: "peer",
  peers: { cluster: { interface: "cluster" } },
};

/**
 * A hook record as a short label: `install`, `relation-joined 2 b/0`,
 * `relation-changed 2 app:b`, `relation-departed 2 b/0 departing:a/0`, a `!` suffix when it threw.
 */
export function label(h: HookRecord): string {
  let s = h.kind === "action" ? `action ${h.action ?? ""}` : h.kind;
  if (h.rel !== undefined) s += ` ${h.rel}`;
  if (h.remote !== undefined) s += ` ${h.remote}`;
  if (h.app !== undefined) s += ` app:${h.app}`;
  if (h.departing !== undefined) s += ` departing:${h.departing}`;
  return h.ok ? s : `${s}!`;
}

/** The hooks one unit ran, as labels, optionally only those of one relation. */
export function hooksOf(trace: Simulation | Trace, unit: string, rel?: number): string[] {
  const t = "trace" in trace ? trace.trace : trace;
  return t
    .hooks()
    .filter((h) => h.unit === unit && (rel === undefined || h.rel === rel))
    .map(label);
}

/** Log messages one unit wrote with juju-log, in order. */
export function logsOf(sim: Simulation, unit: string): string[] {
  const out: string[] = [];
  for (const r of sim.trace.records) if (r.t === "log" && r.unit === unit) out.push(r.message);
  return out;
}

/** Asserts the trace satisfies every invariant, printing the violations if not. */
export function expectInvariants(trace: Simulation | Trace): void {
  const t = "trace" in trace ? trace.trace : trace;
  const v = checkInvariants(t);
  expect(v, formatViolations(v)).toEqual([]);
}

/**
 * A scheduler a test can steer: `pick` names the unit the next `step()` runs. Until that hook
 * runs, the steered unit is the one that acts, and it takes every watcher event waiting for it
 * before it runs its resolver (so it runs with a view caught up with the model); every other
 * choice (which relation first, leadership on removal, hook entropy) comes from a seeded PRNG.
 */
export class SteeringScheduler implements Scheduler {
  private readonly prng: Prng;
  private steer: { sim: Simulation; unit: string } | null = null;
  constructor(seed = 0) {
    this.prng = new Prng(seed);
  }
  pick(sim: Simulation, unit: string): void {
    const pending = sim.pendingUnits();
    if (!pending.includes(unit))
      throw new Error(`${unit} has no pending hook (pending: ${pending.join(", ")})`);
    this.steer = { sim, unit };
  }
  /** Stops steering (after the steered hook ran). */
  release(): void {
    this.steer = null;
  }
  choose(n: number, what: string): number {
    if (this.steer) {
      if (what === "unit to act") {
        const idx = this.steer.sim.pendingUnits().indexOf(this.steer.unit);
        if (idx >= 0) return idx;
      } else if (
        what.endsWith(": deliver or run") ||
        what.endsWith(": watcher to deliver") ||
        what.endsWith("events delivered")
      ) {
        return 0;
      }
    }
    return this.prng.below(n);
  }
  nextUint32(): number {
    return this.prng.next();
  }
}

/** Runs the next hook of `unit` (caught up with the model first), returning its record. */
export function stepUnit(sim: Simulation, _sched: SteeringScheduler, unit: string): HookRecord {
  const r = sim.stepUnit(unit);
  if (!r) throw new Error(`${unit} has no hook to run`);
  expect(r.unit).toBe(unit);
  return r;
}

/** Runs hooks of `unit` only until, caught up with the model, it has none to run. */
export function settleUnit(sim: Simulation, _sched: SteeringScheduler, unit: string): string[] {
  const out: string[] = [];
  for (let r = sim.stepUnit(unit); r; r = sim.stepUnit(unit)) out.push(label(r));
  return out;
}
