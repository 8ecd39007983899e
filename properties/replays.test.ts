/**
 * Every recorded counterexample under fixtures/replays/ re-runs exactly: the campaign case it
 * names gives the same verdict and a byte-identical trace (what `charmsim replay FILE` checks).
 * Each certificate_transfer QUIRK hunt has its replay, and the re-run still shows the quirk;
 * each lxd case upstream is expected to break has its replay (scripts/gen-lxd-replays.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evaluate } from "../src/fuzz/campaign.js";
import { quirkHunts } from "../src/fuzz/campaigns/ct-quirk-hunts.js";
import { campaigns } from "../src/fuzz/campaigns/index.js";
import { lxdCases } from "../src/fuzz/campaigns/lxd.js";
import { parseReplay, replayToJsonText } from "../src/fuzz/replay.js";
import { Trace } from "../src/harness/trace.js";

const dir = fileURLToPath(new URL("../fixtures/replays/", import.meta.url));
const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("recorded replays (fixtures/replays/)", () => {
  it("each certificate_transfer QUIRK hunt has a recorded replay", () => {
    for (const hunt of quirkHunts)
      expect(files).toContain(`certificate-transfer/${hunt.name}.json`);
  });

  it("each lxd case the faithful integrator is expected to break has a recorded replay", () => {
    const quirks = lxdCases().filter((c) => c.expect === "quirk");
    const recorded = files.filter((f) => f.startsWith("lxd/"));
    expect(recorded).toHaveLength(quirks.length);
    for (const file of recorded) {
      const r = parseReplay(readFileSync(`${dir}${file}`, "utf8"), file);
      expect(quirks.some((c) => c.property === r.property && c.variant === r.variant)).toBe(true);
    }
  });

  it.each(files)("%s: same verdict and a byte-identical trace", (file) => {
    const text = readFileSync(`${dir}${file}`, "utf8");
    const recorded = parseReplay(text, file);
    const fuzzCase = campaigns[recorded.campaign]?.().find(
      (c) => c.property === recorded.property && c.variant === recorded.variant,
    );
    if (!fuzzCase) throw new Error(`${file}: no case ${recorded.property} / ${recorded.variant}`);
    expect(fuzzCase.expect).toBe(recorded.expect);
    const { run, message } = evaluate(fuzzCase, recorded.scenario);
    expect(message).toBe(recorded.verdict);
    expect(run.sim.trace.toJsonText()).toBe(Trace.fromJSON(recorded.trace).toJsonText());
    expect(replayToJsonText({ ...recorded, trace: run.sim.trace.toJSON() })).toBe(text);
    const hunt = quirkHunts.find((h) => file === `certificate-transfer/${h.name}.json`);
    if (hunt) expect(hunt.witness(run), `${file} no longer shows ${hunt.quirk}`).not.toBeNull();
  });
});
