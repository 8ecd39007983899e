import { unitDigest } from "../model/sorted-set.js";
import type { HookRecord, Trace, TraceRecord } from "./trace.js";

export type InvariantId =
  | "I1"
  | "I2"
  | "I3"
  | "I4"
  | "I5"
  | "I6"
  | "I7"
  | "I8"
  | "I9"
  | "I10"
  | "I11";

/** One broken invariant, with the trace records involved. */
export interface Violation {
  readonly invariant: InvariantId;
  readonly message: string;
  readonly records: readonly TraceRecord[];
}

export const invariantDescriptions: Readonly<Record<InvariantId, string>> = {
  I1: "install is each unit's first hook; remove, if present, its last; start follows install; stop only after start; remove with no stop only if never started; the first config-changed before start is followed by start",
  I2: "relation-created(r) at most once per unit, before any joined, changed or departed of r (relation-broken may come without it)",
  I3: "relation-joined(r,R) at most once per (unit, r, R); the next hook of r on that unit is relation-changed(r,R)",
  I4: "relation-changed(r,R) only between relation-joined(r,R) and relation-departed(r,R)",
  I5: "relation-departed(r,R) at most once, only after relation-joined(r,R)",
  I6: "relation-broken(r) at most once, after departed for every joined R; nothing of r after it",
  I7: "app-level relation-changed(r) only between relation-created(r) and relation-broken(r)",
  I8: "at most one leader per application at every record; leader-elected only on the leader; leader-settings-changed at most once per unit (its version moves only on leader-set)",
  I9: "no hook on a unit after its remove; no relation hook for a relation the unit never had",
  I10: "in a hook, the readable remote unit bags are exactly those of units seen joined and not yet departed",
  I11: "a hook that threw changed no databag",
};

interface RelState {
  created: boolean;
  broken: boolean;
  joined: Set<string>;
  everJoined: Set<string>;
  departed: Set<string>;
  /** After an effective joined(R): the next effective hook of r must be changed(R). */
  expectChanged: { unit: string; record: HookRecord } | null;
}

const appOf = (unit: string) => unit.slice(0, unit.lastIndexOf("/"));

/**
 * Checks a trace against I1-I11 of spec/juju-hooks.md and returns every violation (empty when
 * the trace is one Juju could produce). A failed hook is an attempt: it is checked for its
 * position, but only completed hooks (or failed ones resolved without retry) change the state
 * the later checks compare against.
 */
export function checkInvariants(trace: Trace | readonly TraceRecord[]): Violation[] {
  const records = Array.isArray(trace)
    ? (trace as readonly TraceRecord[])
    : (trace as Trace).records;
  const out: Violation[] = [];
  const add = (invariant: InvariantId, message: string, ...recs: TraceRecord[]) => {
    out.push({ invariant, message, records: recs });
  };

  const resolvedAsDone = new Set<number>();
  const hookBySeq = new Map<number, HookRecord>();
  for (const r of records) {
    if (r.t === "resolve" && !r.retry) resolvedAsDone.add(r.hook);
    // Stryker disable next-line ConditionalExpression: equivalent, a commit names a hook or an exec that succeeded (a failed exec commits nothing), and such an exec record reads as a completed hook
    if (r.t === "hook") hookBySeq.set(r.seq, r);
  }
  const effective = (h: HookRecord) => h.ok || resolvedAsDone.has(h.seq);

  const firstHook = new Map<string, HookRecord>();
  const installed = new Set<string>();
  const started = new Set<string>();
  const stopped = new Set<string>();
  /** An effective config-changed before start: the unit's next hook must be start. */
  const expectStart = new Map<string, HookRecord>();
  const leaderSettings = new Map<string, HookRecord>();
  const removed = new Map<string, HookRecord>();
  const rels = new Map<string, RelState>();
  const leaders = new Map<string, string | null>();
  const relState = (unit: string, rel: number): RelState => {
    const key = `${unit}\u0000${rel}`;
    let s = rels.get(key);
    if (!s) {
      s = {
        created: false,
        broken: false,
        joined: new Set(),
        everJoined: new Set(),
        departed: new Set(),
        expectChanged: null,
      };
      rels.set(key, s);
    }
    return s;
  };

  for (const r of records) {
    if (r.t === "leader") {
      leaders.set(r.app, r.unit);
      continue;
    }
    if (r.t === "commit") {
      const h = hookBySeq.get(r.hook);
      if (h && !h.ok)
        add(
          "I11",
          `${h.unit} ${h.kind} threw but its write to ${r.owner}'s bag in relation ${r.rel} was committed`,
          h,
          r,
        );
      continue;
    }
    if (r.t !== "hook") continue;
    const h = r;
    const done = effective(h);
    const app = appOf(h.unit);

    // I1 / I9: life cycle of the unit.
    if (!firstHook.has(h.unit)) {
      firstHook.set(h.unit, h);
      if (h.kind !== "install") add("I1", `first hook of ${h.unit} is ${h.kind}, not install`, h);
    }
    const gone = removed.get(h.unit);
    if (gone) {
      add("I9", `${h.unit} ran ${h.kind} after its remove hook`, gone, h);
      add("I1", `remove is not the last hook of ${h.unit}`, gone, h);
    }
    if (h.kind === "start" && !installed.has(h.unit))
      add("I1", `${h.unit} ran start before install completed`, h);
    const queued = expectStart.get(h.unit);
    if (queued && h.kind !== "start")
      add(
        "I1",
        `${h.unit}: config-changed before start was followed by ${h.kind}, not start`,
        queued,
        h,
      );
    if (h.kind === "stop" && !started.has(h.unit))
      add("I1", `${h.unit} ran stop but never started`, h);
    if (h.kind === "remove" && started.has(h.unit) && !stopped.has(h.unit))
      add("I1", `${h.unit} ran remove after start with no stop`, h);
    if (done) {
      if (h.kind === "install") installed.add(h.unit);
      if (h.kind === "start") {
        started.add(h.unit);
        expectStart.delete(h.unit);
      }
      if (h.kind === "stop") stopped.add(h.unit);
      if (h.kind === "remove") removed.set(h.unit, h);
      if (h.kind === "config-changed" && !started.has(h.unit)) expectStart.set(h.unit, h);
    }

    // I8: leadership.
    const leader = leaders.get(app) ?? null;
    if (h.leader && leader !== h.unit) {
      add(
        "I8",
        `${h.unit} ran ${h.kind} as leader while the leader of ${app} is ${leader ?? "nobody"}`,
        h,
      );
    }
    if (h.kind === "leader-elected" && !h.leader)
      add("I8", `leader-elected ran on ${h.unit}, which is not the leader`, h);
    if (h.kind === "leader-settings-changed") {
      const first = leaderSettings.get(h.unit);
      if (first)
        add(
          "I8",
          `${h.unit} ran leader-settings-changed again with no leader-set in between`,
          first,
          h,
        );
      else if (done) leaderSettings.set(h.unit, h);
    }

    if (h.rel === undefined) continue;
    const s = relState(h.unit, h.rel);
    const label = `${h.unit} relation ${h.rel}`;

    // I2 / I9: relation-created first, exactly once.
    if (h.kind === "relation-created") {
      if (s.created) add("I2", `${label}: relation-created ran twice`, h);
      if (done) s.created = true;
    } else if (!s.created && h.kind !== "relation-broken") {
      // A unit joins a relation's scope before its relation-created runs, so a relation that
      // dies first is broken on a unit that never created it.
      add("I2", `${label}: ${h.kind} before relation-created`, h);
      add("I9", `${label}: ${h.kind} for a relation the unit never had`, h);
    }
    // I6: nothing after broken.
    if (s.broken) add("I6", `${label}: ${h.kind} after relation-broken`, h);

    // I3: the next hook of r after joined(R) is changed(R). Every attempt is checked for its
    // position (a failed hook is still one Juju ran); only a completed changed(R) clears it.
    if (s.expectChanged) {
      const want = s.expectChanged.record.remote;
      if (!(h.kind === "relation-changed" && h.remote === want)) {
        add(
          "I3",
          `${label}: after relation-joined(${want}) the next hook of the relation is ${h.kind}${h.remote ? `(${h.remote})` : ""}`,
          s.expectChanged.record,
          h,
        );
      }
      if (done) s.expectChanged = null;
    }

    // I10: data visibility. The unit joining is visible during its relation-joined; the unit
    // departing is no longer listed during its relation-departed.
    if (h.seen) {
      const visible = new Set(s.joined);
      if (h.kind === "relation-joined" && h.remote) visible.add(h.remote);
      if (h.kind === "relation-departed" && h.remote) visible.delete(h.remote);
      if (h.kind === "relation-broken") visible.clear();
      let digest = 0;
      for (const u of visible) digest ^= unitDigest(u);
      digest >>>= 0;
      // Stryker disable next-line ConditionalExpression: equivalent short of a digest collision, sets of different sizes have different digests; the exact count is compared first
      if (visible.size !== h.seen.n || digest !== h.seen.h) {
        add(
          "I10",
          `${label}: ${h.kind} could read ${h.seen.n} remote unit bag(s) but ${visible.size} unit(s) are joined and not departed (${[...visible].sort().join(", ") || "none"})`,
          h,
        );
      }
    }

    switch (h.kind) {
      case "relation-joined": {
        const R = h.remote ?? "";
        if (s.everJoined.has(R) && done) add("I3", `${label}: relation-joined(${R}) ran twice`, h);
        if (done) {
          s.joined.add(R);
          s.everJoined.add(R);
          s.expectChanged = { unit: h.unit, record: h };
        }
        break;
      }
      case "relation-changed": {
        if (h.remote === undefined) {
          if (!s.created || s.broken)
            add("I7", `${label}: app-level relation-changed outside created..broken`, h);
        } else if (!s.joined.has(h.remote)) {
          add("I4", `${label}: relation-changed(${h.remote}) while ${h.remote} is not joined`, h);
        }
        break;
      }
      case "relation-departed": {
        const R = h.remote ?? "";
        if (s.departed.has(R)) add("I5", `${label}: relation-departed(${R}) ran twice`, h);
        else if (!s.joined.has(R))
          add("I5", `${label}: relation-departed(${R}) without relation-joined(${R})`, h);
        if (done) {
          s.joined.delete(R);
          s.departed.add(R);
        }
        break;
      }
      case "relation-broken": {
        if (s.joined.size > 0) {
          add(
            "I6",
            `${label}: relation-broken while ${[...s.joined].sort().join(", ")} never departed`,
            h,
          );
        }
        if (done) s.broken = true;
        break;
      }
      // Stryker disable next-line ConditionalExpression: equivalent, the default case only breaks
      default:
        break;
    }
  }
  return out;
}

/** A readable multi-line summary of violations. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations
    .map(
      (v) =>
        `${v.invariant} (${invariantDescriptions[v.invariant]}): ${v.message} [records ${v.records.map((r) => r.seq).join(", ")}]`,
    )
    .join("\n");
}
