/**
 * The upstream Python certificate_transfer library (v1) in the fuzzer: the opt-in ct-upstream
 * campaign mixes it with the TypeScript variants and finds on it a QUIRK the faithful port
 * shows, within a few runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate, type FuzzCase, runCase } from "../../src/fuzz/campaign.js";
import { CAMPAIGN_NAMES, isCampaignName, loadCampaign } from "../../src/fuzz/campaigns/bundled.js";
import { certificateTransferCases } from "../../src/fuzz/campaigns/certificate-transfer.js";
import { ctUpstreamCases, upstreamRows } from "../../src/fuzz/campaigns/ct-upstream.js";
import { campaigns, optInCampaigns } from "../../src/fuzz/campaigns/index.js";
import { scenarioSchema } from "../../src/fuzz/operations.js";

const cases = ctUpstreamCases();
const caseOf = (all: readonly FuzzCase[], property: string, variant: string): FuzzCase => {
  const c = all.find((x) => x.property === `ct.${property}` && x.variant === variant);
  if (!c) throw new Error(`no case ct.${property} for ${variant}`);
  return c;
};
const UPSTREAM = "upstream-v1 requirer x upstream-v1 provider";

/** The first failing scenario's message in at most `runs` runs, without shrinking. */
function firstViolation(c: FuzzCase, runs: number, seed: number): string | null {
  let message: string | null = null;
  const details = fc.check(
    fc.property(c.arbitrary, (scenario) => {
      message = evaluate(c, scenario).message;
      return message === null;
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  return details.failed ? message : null;
}

describe("the ct-upstream campaign", () => {
  it("is opt-in: named, not in the default list, with upstream on both sides and mixed", async () => {
    expect(CAMPAIGN_NAMES).not.toContain("ct-upstream");
    expect(Object.keys(campaigns)).not.toContain("ct-upstream");
    expect(isCampaignName("ct-upstream")).toBe(true);
    expect(Object.keys(optInCampaigns)).toContain("ct-upstream");
    const loaded = await loadCampaign("ct-upstream");
    expect(loaded.map((c) => `${c.property} ${c.variant}`)).toEqual(
      cases.map((c) => `${c.property} ${c.variant}`),
    );
    expect(new Set(cases.filter((c) => !c.variant.includes("[")).map((c) => c.variant))).toEqual(
      new Set([
        UPSTREAM,
        "upstream-v1 requirer x v1 provider",
        "v1 requirer x upstream-v1 provider",
        "upstream-v1 requirer x v0 provider",
        "v0 requirer x upstream-v1 provider",
        "upstream-v1.1 requirer x upstream-v1.1 provider",
      ]),
    );
    // Each row expects what the faithful port's row expects.
    const v1 = upstreamRows.find(
      (r) => r.requirer === "upstream-v1" && r.provider === "upstream-v1",
    );
    expect(v1?.expect["no-throw"]).toBe("unknown relation id throws");
  });

  it("the provider's calls run as actions and the requirer's view is read through its action", () => {
    const c = caseOf(cases, "converges", UPSTREAM);
    const pems = ["client-00", "client-01"];
    const scenario = scenarioSchema.parse({
      seed: 2,
      steps: [
        { op: "deploy", app: "ca", charm: "ct-provider-upstream-v1", units: 1 },
        { op: "deploy", app: "app", charm: "ct-requirer-upstream-v1", units: 1 },
        { op: "integrate", a: "ca:certificates", b: "app:certificates" },
        { op: "settle" },
        { op: "call", unit: { app: "ca", leader: true }, method: "add", args: [pems] },
        { op: "call", unit: { app: "ca", leader: true }, method: "remove", args: [["client-00"]] },
        { op: "settle" },
      ],
    });
    const { run, message } = evaluate(c, scenario);
    expect(message).toBeNull();
    const calls = run.steps.filter((s) => s.op.op === "call");
    expect(calls.map((s) => s.status)).toEqual(["ok", "ok"]);
    const actions = run.sim.trace.records.flatMap((r) =>
      r.t === "hook" && r.kind === "action" ? [`${r.unit} ${r.action}`] : [],
    );
    expect(actions).toEqual([
      "ca/0 add-certificates",
      "ca/0 remove-certificate",
      "app/0 get-all-certificates",
    ]);
  });

  it("finds the faithful port's QUIRK 'unknown relation id throws' on the upstream library", () => {
    const quirk = "unknown relation id throws";
    const upstream = caseOf(cases, "no-throw", UPSTREAM);
    expect(upstream.expect).toBe("quirk");
    expect(upstream.quirk).toBe(quirk);
    // The faithful TypeScript row names the same QUIRK.
    expect(caseOf(certificateTransferCases(), "no-throw", "v1 requirer x v1 provider").quirk).toBe(
      quirk,
    );
    const message = firstViolation(upstream, 10, 15);
    // The requirer's get-all-certificates for a relation id it does not know: the upstream
    // library reads the bag of a relation without a remote application.
    expect(message).toMatch(/^app\/\d action threw: KeyError: None$/);
  });

  it("runs the QUIRK hunts on the upstream library, and a hunt finds its quirk there", () => {
    const hunts = cases.filter((c) => c.variant.includes("["));
    expect(hunts.map((c) => c.variant.replace(/^.*\[(.*)\]$/, "$1"))).toEqual([
      "unstable-order",
      "v0-removal",
      "mode-switch",
      "several-provider-units",
      "v0-library-raw-pem",
      "unknown-relation-id",
      "late-requirer-leader",
    ]);
    for (const h of hunts) {
      expect(h.expect).toBe("quirk");
      expect(h.variant).toMatch(/upstream-v1 requirer/);
    }
    const modeSwitch = hunts.find((c) => c.variant.endsWith("[mode-switch]"));
    if (!modeSwitch) throw new Error("no mode-switch hunt");
    const result = runCase(modeSwitch, { seed: 1, runs: 3 });
    expect(result.verdict).toBe("quirk-found");
    expect(result.counterexample?.message).toMatch(/the provider was asked to serve/);
  });
});
