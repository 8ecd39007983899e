/**
 * The opt-in ct-differential campaign: the upstream Python library's dummy charms and the
 * faithful TypeScript port's, driven by the same steps and scheduler choices, commit the same
 * databags and emit the same library events, hook by hook, once Python's set order is taken out.
 */
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/fuzz/campaign.js";
import { CAMPAIGN_NAMES, isCampaignName } from "../../src/fuzz/campaigns/bundled.js";
import {
  ctDifferentialCases,
  firstDifference,
  hookSummaries,
  upstreamOrder,
} from "../../src/fuzz/campaigns/ct-differential.js";
import { type ScenarioInput, scenarioSchema } from "../../src/fuzz/operations.js";
import type { TraceRecord } from "../../src/harness/trace.js";

const [differential, differential11] = ctDifferentialCases();

/** A hook of `unit` committing `set` to the provider's app bag of relation 1. */
function trace(set: Record<string, string>, certificates: string[]): TraceRecord[] {
  return [
    { t: "hook", seq: 1, unit: "ca/0", kind: "relation-joined", rel: 1, leader: true, ok: true },
    { t: "commit", seq: 2, unit: "ca/0", hook: 1, rel: 1, owner: "ca", set, del: [] },
    {
      t: "event",
      seq: 3,
      unit: "ca/0",
      hook: 1,
      kind: "certificate_set_updated",
      reemitted: false,
      data: { certificates, relation_id: 1 },
    },
  ];
}
const compare = (a: TraceRecord[], b: TraceRecord[]) =>
  firstDifference(hookSummaries(a), hookSummaries(b));

describe("ct-differential's comparison", () => {
  it("takes out Python's set order and nothing else", () => {
    const ab = '["a", "b"]';
    const ba = '["b", "a"]';
    expect(
      compare(trace({ certificates: ab }, ["a", "b"]), trace({ certificates: ba }, ["b", "a"])),
    ).toBeNull();
    // ca / certificate as a member of chain (interface v0 keys).
    expect(
      compare(trace({ ca: "a", chain: ab }, []), trace({ ca: "b", chain: ba }, [])),
    ).toBeNull();
    expect(compare(trace({ ca: "c", chain: ab }, []), trace({ ca: "b", chain: ba }, []))).toMatch(
      /hook 1 \(ca\/0 relation-joined relation 1 ok\): upstream Python committed .*ca=c/,
    );
    // JSON written otherwise than json.dumps writes it is a difference.
    expect(
      compare(trace({ certificates: ab }, []), trace({ certificates: '["a","b"]' }, [])),
    ).toMatch(/committed/);
    expect(
      compare(trace({ certificates: ab }, ["a"]), trace({ certificates: ab }, ["a", "b"])),
    ).toMatch(/emitted certificate_set_updated/);
    expect(compare(trace({}, []), trace({}, []).slice(0, 0))).toMatch(
      /hook 1: only the upstream Python run has a hook here/,
    );
  });
});

/**
 * Two provider units (ca/0 wrote a v0 chain, ca/1 wrote nothing), then a requirer hook on
 * relation 1 emitting certificate_set_updated with `certificates`; `units` provider units run
 * hooks on the relation.
 */
function fallbackTrace(certificates: string[], units = 2): TraceRecord[] {
  const records: TraceRecord[] = [
    { t: "hook", seq: 1, unit: "ca/0", kind: "relation-joined", rel: 1, leader: true, ok: true },
    {
      t: "commit",
      seq: 2,
      unit: "ca/0",
      hook: 1,
      rel: 1,
      owner: "ca/0",
      set: { chain: '["x"]' },
      del: [],
    },
  ];
  if (units > 1)
    records.push({
      t: "hook",
      seq: 3,
      unit: "ca/1",
      kind: "relation-joined",
      rel: 1,
      leader: false,
      ok: true,
    });
  records.push(
    { t: "hook", seq: 4, unit: "app/0", kind: "relation-changed", rel: 1, leader: true, ok: true },
    {
      t: "event",
      seq: 5,
      unit: "app/0",
      hook: 4,
      kind: "certificate_set_updated",
      reemitted: false,
      data: { certificates, relation_id: 1 },
    },
  );
  return records;
}

describe("ct-differential's comparison of databags", () => {
  it("compares what a bag holds after each write, not which keys the write changed", () => {
    const commit = (seq: number, set: Record<string, string>): TraceRecord[] => [
      { t: "hook", seq, unit: "ca/0", kind: "update-status", leader: true, ok: true },
      { t: "commit", seq: seq + 1, unit: "ca/0", hook: seq, rel: 1, owner: "ca/0", set, del: [] },
    ];
    // Python took "a" from the set both times (so its second write left `ca` alone); the port
    // took "b", then "a": the bags hold the same after each hook.
    const python = [
      ...commit(1, { ca: "a", chain: '["a", "b"]' }),
      ...commit(3, { chain: '["a", "c"]' }),
    ];
    const port = [
      ...commit(1, { ca: "b", chain: '["b", "a"]' }),
      ...commit(3, { ca: "a", chain: '["c", "a"]' }),
    ];
    expect(compare(python, port)).toBeNull();
    // `ca` as the libraries write it, a JSON string, is a member of the chain too.
    expect(
      compare(
        commit(1, { ca: '"a"', chain: '["a", "b"]' }),
        commit(1, { ca: '"b"', chain: '["b", "a"]' }),
      ),
    ).toBeNull();
    // A value the bag does not hold is a difference, though the write's keys are the same.
    const other = [
      ...commit(1, { ca: "b", chain: '["b", "a"]' }),
      ...commit(3, { chain: '["c", "a"]' }),
    ];
    expect(compare(python, other)).toMatch(
      /hook 2 \(ca\/0 update-status ok\): upstream Python committed/,
    );
  });
});

describe("ct-differential's set order for the port", () => {
  const hook = (seq: number, unit: string): TraceRecord => ({
    t: "hook",
    seq,
    unit,
    kind: "update-status",
    leader: true,
    ok: true,
  });
  const commit = (seq: number, hookSeq: number, owner: string, set: Record<string, string>) =>
    ({
      t: "commit",
      seq,
      unit: owner.includes("/") ? owner : `${owner}/0`,
      hook: hookSeq,
      rel: 1,
      owner,
      set,
      del: [],
    }) satisfies TraceRecord;

  it("lists a set as upstream's unit wrote it in that hook, or last before it; else sorted", () => {
    const records: TraceRecord[] = [
      hook(1, "ca/0"),
      commit(2, 1, "ca/0", { ca: '"c"', chain: '["c", "a", "b"]' }),
      hook(3, "ca/0"),
      hook(4, "ca/0"),
      // The same set again, rebuilt in another order.
      commit(5, 4, "ca", { certificates: '["b", "c", "a"]' }),
      hook(6, "app/0"),
      // A requirer's bag is not the provider's order.
      commit(7, 6, "app/0", { chain: '["q", "p"]' }),
    ];
    const order = upstreamOrder(records);
    const abc = new Set(["a", "b", "c"]);
    expect(order("ca/0", 1, abc)).toEqual(["c", "a", "b"]);
    expect(order("ca/0", 2, abc)).toEqual(["c", "a", "b"]);
    expect(order("ca/0", 3, abc)).toEqual(["b", "c", "a"]);
    expect(order("ca/0", 9, abc)).toEqual(["b", "c", "a"]);
    // Another unit, a set never written, a requirer's list: sorted.
    expect(order("ca/1", 1, abc)).toEqual(["a", "b", "c"]);
    expect(order("ca/0", 1, new Set(["b", "a"]))).toEqual(["a", "b"]);
    expect(order("app/0", 1, new Set(["p", "q"]))).toEqual(["p", "q"]);
  });
});

describe("ct-differential's comparison of the v0 fallback", () => {
  it("accepts any provider unit's bag as what the fallback read, and nothing else", () => {
    // Upstream popped ca/1 (no chain), the port read ca/0: both are reads of one unit.
    expect(compare(fallbackTrace([]), fallbackTrace(["x"]))).toBeNull();
    expect(compare(fallbackTrace(["x"]), fallbackTrace([]))).toBeNull();
    // Certificates no provider unit's bag held are a difference.
    expect(compare(fallbackTrace(["y"]), fallbackTrace(["x"]))).toMatch(
      /hook 3 \(app\/0 relation-changed relation 1 ok\): upstream Python emitted certificate_set_updated \{"certificates":\["y"\]/,
    );
    // With one provider unit there is no choice to make: a difference is a difference.
    expect(compare(fallbackTrace([], 1), fallbackTrace(["x"], 1))).toMatch(
      /hook 2 \(app\/0 relation-changed relation 1 ok\): upstream Python emitted/,
    );
  });
});

describe("the ct-differential campaign", () => {
  it("is opt-in", () => {
    expect(CAMPAIGN_NAMES).not.toContain("ct-differential");
    expect(isCampaignName("ct-differential")).toBe(true);
    expect(differential?.expect).toBe("hold");
  });

  const scenarios: Record<string, ScenarioInput> = {
    "add, remove, get-all and relation removal on two units each": {
      seed: 3,
      steps: [
        { op: "deploy", app: "ca", charm: "ct-dummy-provider", units: 2 },
        { op: "deploy", app: "app", charm: "ct-dummy-requirer", units: 2 },
        { op: "integrate", a: "ca:certificates", b: "app:certificates" },
        { op: "settle" },
        {
          op: "call",
          unit: { app: "ca", leader: true },
          method: "add",
          args: [["client-00", "client-01", "client-02"]],
        },
        { op: "step", count: 3 },
        { op: "call", unit: { app: "ca", leader: true }, method: "remove", args: [["client-01"]] },
        { op: "settle" },
        { op: "call", unit: { app: "app", index: 0 }, method: "getAll", args: [1] },
        { op: "remove-relation", a: "ca:certificates", b: "app:certificates" },
        { op: "settle" },
      ],
    },
    "a call racing start-up, remove all": {
      seed: 8,
      steps: [
        { op: "deploy", app: "ca", charm: "ct-dummy-provider", units: 1 },
        { op: "deploy", app: "app", charm: "ct-dummy-requirer", units: 1 },
        { op: "integrate", a: "ca:certificates", b: "app:certificates" },
        { op: "step", count: 6 },
        { op: "call", unit: { app: "ca", leader: true }, method: "add", args: [["client-03"]] },
        { op: "settle" },
        { op: "call", unit: { app: "ca", leader: true }, method: "removeAll", args: [] },
        { op: "settle" },
      ],
    },
  };

  it.each(Object.keys(scenarios))("agrees on the faithful port: %s", (name) => {
    if (!differential) throw new Error("no differential case");
    const scenario = scenarioSchema.parse(scenarios[name]);
    const { run, message } = evaluate(differential, scenario);
    expect(message).toBeNull();
    // The scenario did what it says: the calls ran as actions and the requirer saw certificates.
    expect(run.steps.filter((s) => s.op.op === "call").every((s) => s.status === "ok")).toBe(true);
    const events = run.sim.trace.records.filter(
      (r) => r.t === "event" && r.kind === "certificate_set_updated",
    );
    expect(events.length).toBeGreaterThan(0);
  });

  it("tells 1.1.0 from the 1.0.0 the port follows", () => {
    if (!differential11) throw new Error("no 1.1.0 case");
    expect(differential11.expect).toBe("quirk");
    const first = Object.keys(scenarios)[0] as string;
    const { message } = evaluate(differential11, scenarioSchema.parse(scenarios[first]));
    // 1.1.0 emits certificate_set_updated only when the set changed (a hash in stored state);
    // 1.0.0 on every relation-changed.
    expect(message).toMatch(
      /upstream Python emitted no library event; the TypeScript port emitted certificate_set_updated/,
    );
  });
});
