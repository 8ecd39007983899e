import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  formatViolations,
  type InvariantId,
  invariantDescriptions,
} from "../../src/harness/invariants.js";
import { Prng } from "../../src/harness/scheduler.js";
import { Simulation } from "../../src/harness/simulation.js";
import type { HookRecord, TraceRecord } from "../../src/harness/trace.js";
import { ModelOperationError } from "../../src/model/juju-model.js";
import { unitSetDigest } from "../../src/model/sorted-set.js";
import { charm } from "./charms.js";

type HookOpts = {
  rel?: number;
  remote?: string;
  departing?: string;
  app?: string;
  leader?: boolean;
  ok?: boolean;
  /** Remote units whose bags were readable (recorded as the count and digest). */
  seen?: string[];
};

/** Writes trace records by hand, numbering them. */
class TraceBuilder {
  readonly records: TraceRecord[] = [];
  private push<R extends TraceRecord>(r: R): R {
    this.records.push(r);
    return r;
  }
  leader(app: string, unit: string | null): this {
    this.push({ t: "leader", seq: this.records.length, app, unit });
    return this;
  }
  hook(unit: string, kind: HookRecord["kind"], o: HookOpts = {}): HookRecord {
    const { seen, ok = true, leader = false, ...rest } = o;
    return this.push({
      t: "hook",
      seq: this.records.length,
      unit,
      kind,
      ...rest,
      leader,
      ok,
      ...(ok ? {} : { error: "Error: boom" }),
      ...(seen ? { seen: { n: seen.length, h: unitSetDigest(seen) } } : {}),
    });
  }
  /** Appends several hooks of one unit. */
  hooks(unit: string, ...hooks: [HookRecord["kind"], HookOpts?][]): this {
    for (const [kind, o] of hooks) this.hook(unit, kind, o);
    return this;
  }
  commit(hook: HookRecord, rel: number, owner: string, set: Record<string, string>): this {
    this.push({
      t: "commit",
      seq: this.records.length,
      unit: hook.unit,
      hook: hook.seq,
      rel,
      owner,
      set,
      del: [],
    });
    return this;
  }
  resolve(hook: HookRecord, retry: boolean): this {
    this.push({ t: "resolve", seq: this.records.length, unit: hook.unit, hook: hook.seq, retry });
    return this;
  }
  /** install, relation-created for `rels`, leadership, config-changed, start. */
  startUp(unit: string, leader: boolean, rels: number[] = [1]): this {
    this.hook(unit, "install", { leader });
    for (const rel of rels) this.hook(unit, "relation-created", { rel, leader });
    this.hook(unit, leader ? "leader-elected" : "leader-settings-changed", { leader });
    this.hook(unit, "config-changed", { leader });
    this.hook(unit, "start", { leader });
    return this;
  }
}

/** a/0 (leader of a) related to b/0 (leader of b) over relation 1, started. */
function started(): TraceBuilder {
  return new TraceBuilder()
    .leader("a", "a/0")
    .leader("b", "b/0")
    .startUp("a/0", true)
    .startUp("b/0", true);
}

const ids = (records: readonly TraceRecord[]) => checkInvariants(records).map((v) => v.invariant);

/** Asserts that `bad` breaks `id` (and names `culprit` among the records), and `good` breaks nothing. */
function expectCaught(
  id: InvariantId,
  bad: TraceBuilder,
  culprit: TraceRecord | null,
  good: TraceBuilder,
): void {
  const violations = checkInvariants(bad.records).filter((v) => v.invariant === id);
  expect(
    violations.length,
    `${id} not caught:\n${formatViolations(checkInvariants(bad.records))}`,
  ).toBeGreaterThan(0);
  if (culprit) expect(violations.flatMap((v) => v.records)).toContain(culprit);
  expect(formatViolations(violations)).toContain(invariantDescriptions[id]);
  const fine = checkInvariants(good.records);
  expect(fine, formatViolations(fine)).toEqual([]);
}

describe("each invariant catches a hand-built bad trace", () => {
  it("I1: install first, start after install, remove last", () => {
    const good = new TraceBuilder()
      .leader("a", "a/0")
      .hooks(
        "a/0",
        ["install", { leader: true }],
        ["leader-elected", { leader: true }],
        ["start", { leader: true }],
        ["stop", { leader: true }],
        ["remove", { leader: true }],
      );
    const noInstall = new TraceBuilder().leader("a", "a/0");
    const first = noInstall.hook("a/0", "start", { leader: true });
    expectCaught("I1", noInstall, first, good);

    const failedInstall = new TraceBuilder().leader("a", "a/0");
    failedInstall.hook("a/0", "install", { leader: true, ok: false });
    const early = failedInstall.hook("a/0", "start", { leader: true });
    expectCaught("I1", failedInstall, early, good);

    const afterRemove = new TraceBuilder().leader("a", "a/0");
    afterRemove.hooks("a/0", ["install", { leader: true }], ["remove", { leader: true }]);
    const late = afterRemove.hook("a/0", "update-status", { leader: true });
    expectCaught("I1", afterRemove, late, good);
  });

  it("I1 (Juju's resolver): stop only after start; remove with no stop only if never started; config-changed before start queues start", () => {
    const unit = (...kinds: HookRecord["kind"][]) => {
      const b = new TraceBuilder().leader("a", "a/0");
      const recs = kinds.map((k) => b.hook("a/0", k, { leader: true }));
      return { b, recs };
    };
    // A unit removed after install, before start: remove with no stop is what Juju runs.
    const neverStarted = unit("install", "config-changed", "start").b;
    const removedEarly = unit("install", "remove").b;
    expect(checkInvariants(removedEarly.records)).toEqual([]);

    const stopUnstarted = unit("install", "stop", "remove");
    expectCaught("I1", stopUnstarted.b, stopUnstarted.recs[1] ?? null, removedEarly);

    const noStop = unit("install", "config-changed", "start", "remove");
    expectCaught("I1", noStop.b, noStop.recs[3] ?? null, neverStarted);

    const notQueued = unit("install", "config-changed", "update-status", "start");
    expectCaught("I1", notQueued.b, notQueued.recs[2] ?? null, neverStarted);

    // A failed start is retried: the queued start still comes next.
    const retried = new TraceBuilder().leader("a", "a/0");
    retried.hooks("a/0", ["install", { leader: true }], ["config-changed", { leader: true }]);
    retried.hook("a/0", "start", { leader: true, ok: false });
    retried.hook("a/0", "start", { leader: true });
    expect(checkInvariants(retried.records)).toEqual([]);
    // Each bad trace breaks I1 alone.
    for (const bad of [stopUnstarted.b, noStop.b, notQueued.b])
      expect(new Set(ids(bad.records))).toEqual(new Set(["I1"]));
  });

  it("I2 (lagging views): relation-broken may come without relation-created; nothing else may", () => {
    const brokenOnly = new TraceBuilder().leader("a", "a/0");
    brokenOnly.hook("a/0", "install", { leader: true });
    brokenOnly.hook("a/0", "relation-broken", { rel: 1, leader: true, seen: [] });
    expect(checkInvariants(brokenOnly.records)).toEqual([]);
    const departedOnly = new TraceBuilder().leader("a", "a/0");
    departedOnly.hook("a/0", "install", { leader: true });
    const departed = departedOnly.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
      seen: [],
    });
    expectCaught("I2", departedOnly, departed, brokenOnly);
  });

  it("I8 (Juju 3.x): leader-settings-changed at most once per unit with no leader-set", () => {
    const once = new TraceBuilder().leader("a", "a/0");
    once.hook("a/1", "install");
    once.hook("a/1", "leader-settings-changed", { ok: false });
    once.hook("a/1", "leader-settings-changed");
    expect(checkInvariants(once.records)).toEqual([]);
    const twice = new TraceBuilder().leader("a", "a/0");
    twice.hook("a/1", "install");
    twice.hook("a/1", "leader-settings-changed");
    twice.leader("a", "a/2");
    const again = twice.hook("a/1", "leader-settings-changed");
    expectCaught("I8", twice, again, once);
    expect(new Set(ids(twice.records))).toEqual(new Set(["I8"]));
  });

  it("I2: relation-created is the first hook of the relation, exactly once", () => {
    const good = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
    );
    const twice = started();
    const again = twice.hook("a/0", "relation-created", { rel: 1, leader: true });
    expectCaught("I2", twice, again, good);

    const b = new TraceBuilder().leader("a", "a/0");
    b.hook("a/0", "install", { leader: true });
    const joined = b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    expectCaught("I2", b, joined, good);
  });

  it("I3: joined once per remote unit; the next hook of that relation is its changed", () => {
    // Other kinds of hook and other relations may come in between.
    const good = new TraceBuilder()
      .leader("a", "a/0")
      .startUp("a/0", true, [1, 2])
      .hooks(
        "a/0",
        ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
        ["config-changed", { leader: true }],
        ["relation-joined", { rel: 2, remote: "c/0", leader: true }],
        ["relation-changed", { rel: 2, remote: "c/0", leader: true }],
        ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      );
    const wrongNext = started();
    wrongNext.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const departed = wrongNext.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
    });
    expectCaught("I3", wrongNext, departed, good);

    // A failed attempt is still a hook Juju ran: it must be the changed too.
    const failedNext = started();
    failedNext.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const attempt = failedNext.hook("a/0", "relation-joined", {
      rel: 1,
      remote: "b/1",
      leader: true,
      ok: false,
    });
    expectCaught("I3", failedNext, attempt, good);

    const twice = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
    );
    const rejoin = twice.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    twice.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expectCaught("I3", twice, rejoin, good);

    // A failed changed retried, or a failed joined resolved without retry, is fine.
    const retried = started();
    retried.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const failed = retried.hook("a/0", "relation-changed", {
      rel: 1,
      remote: "b/0",
      leader: true,
      ok: false,
    });
    retried.resolve(failed, true);
    retried.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expect(ids(retried.records)).toEqual([]);
  });

  it("I4: relation-changed(R) only between joined(R) and departed(R)", () => {
    const good = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
    );
    const early = started();
    const c = early.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expectCaught("I4", early, c, good);

    const late = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
    );
    const after = late.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expectCaught("I4", late, after, good);
  });

  it("I5: relation-departed(R) at most once, only after joined(R)", () => {
    const good = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
    );
    const never = started();
    const d = never.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
    });
    expectCaught("I5", never, d, good);

    const twice = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
    );
    const again = twice.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
    });
    expectCaught("I5", twice, again, good);
  });

  it("I6: relation-broken once, after departed for every joined unit, and last", () => {
    const good = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
      ["relation-broken", { rel: 1, leader: true }],
      ["config-changed", { leader: true }],
    );
    const early = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
    );
    const broken = early.hook("a/0", "relation-broken", { rel: 1, leader: true });
    expectCaught("I6", early, broken, good);

    const after = started().hooks("a/0", ["relation-broken", { rel: 1, leader: true }]);
    const joined = after.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    expectCaught("I6", after, joined, good);

    const twice = started().hooks("a/0", ["relation-broken", { rel: 1, leader: true }]);
    const again = twice.hook("a/0", "relation-broken", { rel: 1, leader: true });
    expectCaught("I6", twice, again, good);
  });

  it("I7: app-level relation-changed only between created and broken", () => {
    const good = started().hooks(
      "a/0",
      ["relation-changed", { rel: 1, app: "b", leader: true }],
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, app: "b", leader: true }],
    );
    const after = started().hooks("a/0", ["relation-broken", { rel: 1, leader: true }]);
    const late = after.hook("a/0", "relation-changed", { rel: 1, app: "b", leader: true });
    expectCaught("I7", after, late, good);

    const before = new TraceBuilder().leader("a", "a/0");
    before.hook("a/0", "install", { leader: true });
    const early = before.hook("a/0", "relation-changed", { rel: 1, app: "b", leader: true });
    expectCaught("I7", before, early, good);
  });

  it("I8: at most one leader per application; leader-elected only on the leader", () => {
    const good = new TraceBuilder()
      .leader("a", "a/0")
      .startUp("a/0", true, [])
      .startUp("a/1", false, [])
      .leader("a", "a/1")
      .hooks("a/1", ["leader-elected", { leader: true }], ["update-status", { leader: true }])
      .hooks("a/0", ["leader-settings-changed"]);
    const two = new TraceBuilder().leader("a", "a/0").startUp("a/0", true, []);
    two.hook("a/1", "install");
    const claim = two.hook("a/1", "update-status", { leader: true });
    expectCaught("I8", two, claim, good);

    const notLeader = new TraceBuilder().leader("a", "a/0").startUp("a/0", true, []);
    notLeader.hook("a/1", "install");
    const elected = notLeader.hook("a/1", "leader-elected", { leader: false });
    expectCaught("I8", notLeader, elected, good);

    const moved = new TraceBuilder().leader("a", "a/0").startUp("a/0", true, []).leader("a", "a/1");
    // a/0 still claims leadership after it moved.
    const stale = moved.hook("a/0", "update-status", { leader: true });
    expectCaught("I8", moved, stale, good);
  });

  it("I9: nothing after remove; no hook of a relation the unit never had", () => {
    const good = started().hooks("a/0", ["stop", { leader: true }], ["remove", { leader: true }]);
    const afterRemove = started().hooks(
      "a/0",
      ["stop", { leader: true }],
      ["remove", { leader: true }],
    );
    const ghost = afterRemove.hook("a/0", "config-changed", { leader: true });
    expectCaught("I9", afterRemove, ghost, good);

    const unknown = started();
    const stray = unknown.hook("a/0", "relation-changed", { rel: 7, remote: "c/0", leader: true });
    expectCaught("I9", unknown, stray, good);
  });

  it("I10: readable remote bags are exactly those of units joined and not departed", () => {
    const good = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      ["relation-joined", { rel: 1, remote: "b/1", leader: true, seen: ["b/0", "b/1"] }],
      ["relation-changed", { rel: 1, remote: "b/1", leader: true, seen: ["b/0", "b/1"] }],
      ["relation-changed", { rel: 1, app: "b", leader: true, seen: ["b/0", "b/1"] }],
      [
        "relation-departed",
        { rel: 1, remote: "b/0", departing: "b/0", leader: true, seen: ["b/1"] },
      ],
      ["relation-departed", { rel: 1, remote: "b/1", departing: "a/0", leader: true, seen: [] }],
      ["relation-broken", { rel: 1, leader: true, seen: [] }],
    );
    const hidden = started();
    hidden.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] });
    const blind = hidden.hook("a/0", "relation-changed", {
      rel: 1,
      remote: "b/0",
      leader: true,
      seen: [],
    });
    expectCaught("I10", hidden, blind, good);

    const ahead = started();
    const peek = ahead.hook("a/0", "relation-changed", {
      rel: 1,
      app: "b",
      leader: true,
      seen: ["b/0"],
    });
    expectCaught("I10", ahead, peek, good);

    const lingering = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
    );
    const departed = lingering.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
      seen: ["b/0"],
    });
    expectCaught("I10", lingering, departed, good);

    const brokenSees = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true, seen: [] }],
    );
    const broken = brokenSees.hook("a/0", "relation-broken", {
      rel: 1,
      leader: true,
      seen: ["b/0"],
    });
    expectCaught("I10", brokenSees, broken, good);
  });

  it("I11: a hook that threw changed no databag", () => {
    const good = started();
    const ok = good.hook("a/0", "config-changed", { leader: true });
    good.commit(ok, 1, "a/0", { k: "v" });
    const failedThenResolved = good.hook("a/0", "update-status", { leader: true, ok: false });
    good.resolve(failedThenResolved, false);

    const bad = started();
    const threw = bad.hook("a/0", "config-changed", { leader: true, ok: false });
    bad.commit(threw, 1, "a/0", { k: "v" });
    const commit = bad.records.at(-1) as TraceRecord;
    expectCaught("I11", bad, commit, good);
    expect(ids(bad.records)).toEqual(["I11"]);
  });
});

/** The violations of `b` as (invariant, seqs of the records named), for exact comparisons. */
const found = (b: TraceBuilder) =>
  checkInvariants(b.records).map((v) => [v.invariant, v.records.map((r) => r.seq)]);

describe("each bad trace breaks exactly one clause", () => {
  it("I1: a first hook that is not install, and nothing else wrong", () => {
    const b = new TraceBuilder().leader("a", "a/0");
    const first = b.hook("a/0", "update-status", { leader: true });
    expect(found(b)).toEqual([["I1", [first.seq]]]);
  });

  it("I1: a failed install resolved with retry is not installed; resolved without retry it is", () => {
    const trace = (retry: boolean) => {
      const b = new TraceBuilder().leader("a", "a/0");
      const install = b.hook("a/0", "install", { leader: true, ok: false });
      b.resolve(install, retry);
      const start = b.hook("a/0", "start", { leader: true });
      return { b, start };
    };
    const retried = trace(true);
    expect(found(retried.b)).toEqual([["I1", [retried.start.seq]]]);
    expect(found(trace(false).b)).toEqual([]);
  });

  it("I1: a failed start is not a start, a failed stop not a stop (no resolve: the unit is in error)", () => {
    const failedStart = new TraceBuilder().leader("a", "a/0");
    failedStart.hook("a/0", "install", { leader: true });
    failedStart.hook("a/0", "start", { leader: true, ok: false });
    const stop = failedStart.hook("a/0", "stop", { leader: true });
    expect(found(failedStart)).toEqual([["I1", [stop.seq]]]);

    const failedStop = new TraceBuilder().leader("a", "a/0");
    failedStop.hooks("a/0", ["install", { leader: true }], ["start", { leader: true }]);
    failedStop.hook("a/0", "stop", { leader: true, ok: false });
    const remove = failedStop.hook("a/0", "remove", { leader: true });
    expect(found(failedStop)).toEqual([["I1", [remove.seq]]]);
  });

  it("I1: a failed config-changed before start queues nothing; a failed remove is not the last hook", () => {
    const b = new TraceBuilder().leader("a", "a/0");
    b.hook("a/0", "install", { leader: true });
    b.hook("a/0", "config-changed", { leader: true, ok: false });
    b.hook("a/0", "config-changed", { leader: true });
    b.hook("a/0", "start", { leader: true });
    b.hook("a/0", "stop", { leader: true });
    b.hook("a/0", "remove", { leader: true, ok: false });
    b.hook("a/0", "remove", { leader: true });
    expect(found(b)).toEqual([]);
    // config-changed after start queues no start: anything may follow it.
    const after = new TraceBuilder().leader("a", "a/0");
    after.hooks(
      "a/0",
      ["install", { leader: true }],
      ["start", { leader: true }],
      ["config-changed", { leader: true }],
      ["update-status", { leader: true }],
    );
    expect(found(after)).toEqual([]);
  });

  it("I1: only a completed install installs: start after a first hook that was not install", () => {
    const b = new TraceBuilder().leader("a", "a/0");
    const first = b.hook("a/0", "update-status", { leader: true });
    const start = b.hook("a/0", "start", { leader: true });
    expect(found(b)).toEqual([
      ["I1", [first.seq]],
      ["I1", [start.seq]],
    ]);
  });

  it("I1 and I11: a failed install whose writes leaked is still not installed", () => {
    const b = new TraceBuilder().leader("a", "a/0");
    const install = b.hook("a/0", "install", { leader: true, ok: false });
    b.commit(install, 1, "a/0", { k: "v" });
    const start = b.hook("a/0", "start", { leader: true });
    expect(found(b)).toEqual([
      ["I11", [install.seq, install.seq + 1]],
      ["I1", [start.seq]],
    ]);
  });

  it("I1 and I9: a hook after remove, and nothing else wrong", () => {
    const b = new TraceBuilder().leader("a", "a/0");
    b.hook("a/0", "install", { leader: true });
    const remove = b.hook("a/0", "remove", { leader: true });
    const late = b.hook("a/0", "update-status", { leader: true });
    expect(found(b)).toEqual([
      ["I9", [remove.seq, late.seq]],
      ["I1", [remove.seq, late.seq]],
    ]);
  });

  it("I8: a unit claiming leadership of its application while another unit leads", () => {
    const b = new TraceBuilder().leader("a", "a/0");
    b.hook("a/0", "install", { leader: true });
    const claim = b.hook("a/1", "install", { leader: true });
    expect(found(b)).toEqual([["I8", [claim.seq]]]);
    // Leadership is per application: b/0 leading b is no claim on a.
    const other = new TraceBuilder().leader("a", "a/0").leader("b", "b/0");
    other.hook("a/0", "install", { leader: true });
    other.hook("b/0", "install", { leader: true });
    expect(found(other)).toEqual([]);
  });

  it("I11: only a hook that threw is blamed; a commit of sim.exec (no hook) is fine", () => {
    const b = started();
    b.records.push({ t: "exec", seq: b.records.length, unit: "a/0", ok: true });
    const exec = b.records.at(-1) as TraceRecord;
    b.records.push({
      t: "commit",
      seq: b.records.length,
      unit: "a/0",
      hook: exec.seq,
      rel: 1,
      owner: "a/0",
      set: { k: "v" },
      del: [],
    });
    expect(found(b)).toEqual([]);
  });

  it("I2: a failed relation-created is attempted again; only a completed one counts", () => {
    const b = new TraceBuilder().leader("a", "a/0");
    b.hook("a/0", "install", { leader: true });
    b.hook("a/0", "relation-created", { rel: 1, leader: true, ok: false });
    b.hook("a/0", "relation-created", { rel: 1, leader: true });
    b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    b.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expect(found(b)).toEqual([]);

    const never = new TraceBuilder().leader("a", "a/0");
    never.hook("a/0", "install", { leader: true });
    never.hook("a/0", "relation-created", { rel: 1, leader: true, ok: false });
    const joined = never.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    never.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expect(found(never).map(([id]) => id)).toEqual(["I2", "I9", "I2", "I9"]);
    expect(found(never)[0]).toEqual(["I2", [joined.seq]]);
  });

  it("I3: relation-departed(R) right after relation-joined(R) breaks I3 alone", () => {
    const b = started();
    const joined = b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const departed = b.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
    });
    expect(found(b)).toEqual([["I3", [joined.seq, departed.seq]]]);
  });

  it("I3: the next hook after joined(R) is changed of R itself, not of the application", () => {
    const b = started();
    const joined = b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const failed = b.hook("a/0", "relation-joined", {
      rel: 1,
      remote: "b/1",
      leader: true,
      ok: false,
    });
    b.resolve(failed, true);
    b.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expect(found(b)).toEqual([["I3", [joined.seq, failed.seq]]]);

    const app = started();
    const j = app.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const c = app.hook("a/0", "relation-changed", { rel: 1, app: "b", leader: true });
    expect(found(app)).toEqual([["I3", [j.seq, c.seq]]]);
  });

  it("I3: a failed relation-joined retried is one join; a completed one twice is not", () => {
    const b = started();
    b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true, ok: false });
    b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    b.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true });
    expect(found(b)).toEqual([]);
  });

  it("I3: a failed relation-changed(R) after joined(R) is still owed: a departed next breaks I3", () => {
    const b = started();
    const joined = b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const failed = b.hook("a/0", "relation-changed", {
      rel: 1,
      remote: "b/0",
      leader: true,
      ok: false,
    });
    const departed = b.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
    });
    expect(found(b)).toEqual([["I3", [joined.seq, departed.seq]]]);
    expect(failed.ok).toBe(false);
  });

  it("I4: a unit not joined is not readable in its relation-changed either", () => {
    const b = started();
    const c = b.hook("a/0", "relation-changed", {
      rel: 1,
      remote: "b/1",
      leader: true,
      seen: [],
    });
    expect(found(b)).toEqual([["I4", [c.seq]]]);
  });

  it("I6: relation-broken with units still joined breaks I6 alone; nothing is readable in it", () => {
    const b = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
    );
    const broken = b.hook("a/0", "relation-broken", { rel: 1, leader: true, seen: [] });
    expect(found(b)).toEqual([["I6", [broken.seq]]]);
  });

  it("I5: departed twice and departed with no joined are told apart", () => {
    const twice = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
    );
    const [again] = checkInvariants(twice.records);
    expect(again?.message).toMatch(/relation-departed\(b\/0\) ran twice/);
    const never = started().hooks("a/0", [
      "relation-departed",
      { rel: 1, remote: "b/0", departing: "b/0", leader: true },
    ]);
    const [orphan] = checkInvariants(never.records);
    expect(orphan?.message).toMatch(/relation-departed\(b\/0\) without relation-joined\(b\/0\)/);
  });

  it("formatViolations names each invariant with its description and the records involved", () => {
    const b = started();
    const joined = b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true });
    const departed = b.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/0",
      departing: "b/0",
      leader: true,
    });
    const text = formatViolations(checkInvariants(b.records));
    expect(text.startsWith(`I3 (${invariantDescriptions.I3}): `)).toBe(true);
    expect(invariantDescriptions.I3).toMatch(/^relation-joined\(r,R\) at most once/);
    expect(text.endsWith(`[records ${joined.seq}, ${departed.seq}]`)).toBe(true);
  });

  it("I4: relation-changed(R) of a unit that is not joined, with another unit joined", () => {
    const b = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
    );
    const c = b.hook("a/0", "relation-changed", { rel: 1, remote: "b/1", leader: true });
    expect(found(b)).toEqual([["I4", [c.seq]]]);
  });

  it("I5: a failed relation-departed is attempted again; a departed of another unit is not a departed of R", () => {
    const b = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true, ok: false }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true }],
      ["relation-broken", { rel: 1, leader: true }],
    );
    expect(found(b)).toEqual([]);

    const wrong = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
    );
    const d = wrong.hook("a/0", "relation-departed", {
      rel: 1,
      remote: "b/1",
      departing: "b/1",
      leader: true,
    });
    expect(found(wrong)).toEqual([["I5", [d.seq]]]);
  });

  it("I6: a failed relation-broken is attempted again; after a completed one nothing of r runs", () => {
    const b = started();
    b.hook("a/0", "relation-broken", { rel: 1, leader: true, ok: false });
    b.hook("a/0", "relation-broken", { rel: 1, leader: true });
    expect(found(b)).toEqual([]);
    // relation-broken while a unit is still joined breaks I6 alone.
    const early = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true }],
    );
    const broken = early.hook("a/0", "relation-broken", { rel: 1, leader: true });
    expect(found(early)).toEqual([["I6", [broken.seq]]]);
  });

  it("I7: app-level relation-changed after relation-broken breaks I6 and I7, and no other", () => {
    const b = started();
    b.hook("a/0", "relation-broken", { rel: 1, leader: true });
    const late = b.hook("a/0", "relation-changed", { rel: 1, app: "b", leader: true });
    expect(found(b)).toEqual([
      ["I6", [late.seq]],
      ["I7", [late.seq]],
    ]);
  });

  it("I10: the right number of remote bags, but of the wrong units", () => {
    const b = started();
    b.hook("a/0", "relation-joined", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] });
    const wrong = b.hook("a/0", "relation-changed", {
      rel: 1,
      remote: "b/0",
      leader: true,
      seen: ["b/1"],
    });
    expect(found(b)).toEqual([["I10", [wrong.seq]]]);
    // The joining unit is readable during its own relation-joined, and only it.
    const joining = started();
    const j = joining.hook("a/0", "relation-joined", {
      rel: 1,
      remote: "b/0",
      leader: true,
      seen: ["b/1"],
    });
    joining.hook("a/0", "relation-changed", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] });
    expect(found(joining)).toEqual([["I10", [j.seq]]]);
  });

  it("I10: a failed relation-joined leaves the unit unreadable; a failed departed leaves it readable", () => {
    const b = started();
    b.hook("a/0", "relation-joined", {
      rel: 1,
      remote: "b/0",
      leader: true,
      ok: false,
      seen: ["b/0"],
    });
    b.hook("a/0", "update-status", { leader: true });
    const c = b.hook("a/0", "relation-changed", { rel: 1, app: "b", leader: true, seen: ["b/0"] });
    expect(found(b).filter(([id]) => id === "I10")).toEqual([["I10", [c.seq]]]);

    const d = started().hooks(
      "a/0",
      ["relation-joined", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      ["relation-changed", { rel: 1, remote: "b/0", leader: true, seen: ["b/0"] }],
      [
        "relation-departed",
        { rel: 1, remote: "b/0", departing: "b/0", leader: true, ok: false, seen: [] },
      ],
      ["relation-changed", { rel: 1, app: "b", leader: true, seen: ["b/0"] }],
      ["relation-departed", { rel: 1, remote: "b/0", departing: "b/0", leader: true, seen: [] }],
    );
    expect(found(d)).toEqual([]);
  });
});

describe("random models satisfy every invariant", () => {
  it("50 seeds of random operations settle with no violation and every view converged", () => {
    const seen = new Map<string, number>();
    for (let seed = 0; seed < 50; seed++) {
      const sim = randomRun(seed);
      for (const h of sim.trace.hooks()) {
        const k = h.ok ? (h.app !== undefined ? "app-changed" : h.kind) : "failed";
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      const v = checkInvariants(sim.trace);
      expect(v, `seed ${seed}:\n${formatViolations(v)}`).toEqual([]);
      expect(sim.pendingUnits(), `seed ${seed}`).toEqual([]);
      expectConverged(sim, seed);
    }
    // The runs did exercise the interesting paths.
    for (const k of [
      "failed",
      "app-changed",
      "relation-departed",
      "relation-broken",
      "leader-elected",
      "leader-settings-changed",
      "remove",
    ])
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(10);
  });
});

/** Writes something in most hooks (bounded: no ping-pong), and fails ~4% of hooks. */
const Busy = charm((c, fw) => {
  const failSometimes = () => {
    if (fw.env.hookSeed % 25 === 0) throw new Error("flaky");
  };
  const meta = fw.env.spec.meta;
  const endpoints = Object.keys({ ...meta.provides, ...meta.requires, ...meta.peers });
  const writeAll = (key: string, value: string) => {
    for (const ep of endpoints) {
      for (const rel of c.model.relations(ep)) rel.data.get(c.unit).set(key, value);
    }
  };
  fw.observe(c.on.configChanged, () => {
    writeAll("level", String(c.config.level ?? ""));
    failSometimes();
  });
  fw.observe(c.on.leaderElected, () => {
    for (const ep of endpoints)
      for (const rel of c.model.relations(ep)) rel.data.get(c.app).set("leader", c.unit.name);
    failSometimes();
  });
  for (const ep of endpoints) {
    const ev = c.on.relation(ep);
    fw.observe(ev.joined, (e) => {
      e.relation.data.get(c.unit).set(`saw-${e.unit?.name.replace("/", "-")}`, "1");
      if (e.unit) e.relation.data.get(e.unit).get("level");
      failSometimes();
    });
    fw.observe(ev.changed, (e) => {
      // Read everything readable: the remote units listed and the remote app.
      for (const u of e.relation.units) e.relation.data.get(u).toObject();
      if (e.app && e.app.name !== c.app.name) e.relation.data.get(e.app).toObject();
      failSometimes();
    });
    fw.observe(ev.departed, (e) => {
      if (e.unit) e.relation.data.get(e.unit).toObject();
      failSometimes();
    });
    fw.observe(ev.broken, () => failSometimes());
  }
});

const config = { options: { level: { type: "string" as const, default: "info" } } };

function randomRun(seed: number): Simulation {
  const rng = new Prng(seed * 7919 + 1);
  const pick = <T>(xs: readonly T[]): T | undefined => xs[rng.below(xs.length)];
  const sim = new Simulation({ seed, onHookError: seed % 2 === 0 ? "retry" : "skip" });
  sim.deploy("p", Busy, {
    meta: {
      name: "p",
      provides: { db: { interface: "db" } },
      peers: { cluster: { interface: "c" } },
    },
    config,
    units: 1 + rng.below(3),
  });
  sim.deploy("q", Busy, {
    meta: { name: "q", provides: { db: { interface: "db" } } },
    config,
    units: 1 + rng.below(2),
  });
  sim.deploy("r", Busy, {
    meta: {
      name: "r",
      requires: { db: { interface: "db" } },
      peers: { cluster: { interface: "c" } },
    },
    config,
    units: 1 + rng.below(3),
  });
  const alive = (app: string) =>
    sim.model.apps.get(app)?.units.filter((u) => sim.model.units.get(u)?.life === "alive") ?? [];
  const ops = 10 + rng.below(15);
  for (let i = 0; i < ops; i++) {
    try {
      switch (rng.below(8)) {
        case 0:
          sim.addUnit(pick(["p", "q", "r"]) as string);
          break;
        case 1: {
          const u = pick([...alive("p"), ...alive("q"), ...alive("r")]);
          if (u) sim.removeUnit(u);
          break;
        }
        case 2:
          sim.integrate(pick(["p:db", "q:db"]) as string, "r:db");
          break;
        case 3: {
          const rel = pick(
            [...sim.model.relations.values()].filter((r) => !r.peer && r.life === "alive"),
          );
          if (rel) sim.removeRelation(rel.id);
          break;
        }
        case 4: {
          const u = pick([...alive("p"), ...alive("q"), ...alive("r")]);
          if (u) sim.setLeader(u);
          break;
        }
        case 5:
          sim.setConfig(pick(["p", "q", "r"]) as string, {
            level: pick(["a", "b", "c"]) as string,
          });
          break;
        case 6:
          sim.updateStatus();
          break;
        default:
          break;
      }
    } catch (e) {
      if (!(e instanceof ModelOperationError)) throw e;
    }
    const steps = rng.below(12);
    for (let s = 0; s < steps; s++) sim.step();
  }
  sim.settle({ maxHooks: 20_000 });
  return sim;
}

/** At quiescence every unit has joined exactly the remote units in the relation's scope. */
function expectConverged(sim: Simulation, seed: number): void {
  for (const unit of sim.model.units.values()) {
    if (unit.life !== "alive") continue;
    const local = sim.agents.get(unit.name).local;
    for (const rel of sim.model.relationsOf(unit.app)) {
      const state = local.states.get(rel.id);
      if (rel.life !== "alive") {
        expect(state, `seed ${seed}: ${unit.name} relation ${rel.id}`).toBeUndefined();
        continue;
      }
      expect(local.created.has(rel.id), `seed ${seed}: ${unit.name} created ${rel.id}`).toBe(true);
      const expected = [...rel.scope]
        .filter((u) => u !== unit.name && (rel.peer || sim.model.units.get(u)?.app !== unit.app))
        .sort();
      expect(
        [...(state?.members.keys() ?? [])].sort(),
        `seed ${seed}: ${unit.name} relation ${rel.id}`,
      ).toEqual(expected);
    }
  }
}
