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
