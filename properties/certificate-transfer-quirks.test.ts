/**
 * Faithful vs fixed, for each QUIRK of spec/certificate-transfer.md that breaks a property of the
 * certificate_transfer campaign: the fuzzer finds a counterexample against the faithful version
 * mix within a bounded budget, the shrunk trace shows that very quirk (the hunt's witness), the
 * recorded replay under fixtures/replays/ is that counterexample, and the fixed mix keeps the
 * property over many runs of the same generator. The hunts live in
 * src/fuzz/campaigns/ct-quirk-hunts.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate, runCase } from "../src/fuzz/campaign.js";
import { ctVariantName, PROVIDER, REQUIRER } from "../src/fuzz/campaigns/certificate-transfer.js";
import {
  QUIRK_HUNT_RUNS,
  QUIRK_HUNT_SEED,
  type QuirkHunt,
  quirkHuntCase,
  quirkHunts,
  type VersionMix,
} from "../src/fuzz/campaigns/ct-quirk-hunts.js";
import type { Scenario } from "../src/fuzz/operations.js";
import { parseReplay } from "../src/fuzz/replay.js";

/** Runs of the fixed mix per hunt. */
const FIXED_RUNS = 500;

const replayPath = (hunt: QuirkHunt) =>
  new URL(`../fixtures/replays/certificate-transfer/${hunt.name}.json`, import.meta.url);

/** The same scenario with the charms of another version mix. */
function onMix(scenario: Scenario, mix: VersionMix): Scenario {
  return {
    ...scenario,
    steps: scenario.steps.map((s) =>
      s.op !== "deploy"
        ? s
        : s.app === PROVIDER
          ? { ...s, charm: `ct-provider-${mix.provider}` }
          : s.app === REQUIRER
            ? { ...s, charm: `ct-requirer-${mix.requirer}` }
            : s,
    ),
  };
}

describe.each(quirkHunts.map((h) => [`${h.quirk} (${h.property})`, h] as const))(
  "QUIRK %s",
  (_title, hunt) => {
    const faithful = ctVariantName(hunt.faithful.requirer, hunt.faithful.provider);
    const fixed = ctVariantName(hunt.fixed.requirer, hunt.fixed.provider);

    it(`the fuzzer finds it against ${faithful} within ${QUIRK_HUNT_RUNS} runs; the shrunk trace shows it`, () => {
      const fuzzCase = quirkHuntCase(hunt, "faithful");
      const result = runCase(fuzzCase, { seed: QUIRK_HUNT_SEED, runs: QUIRK_HUNT_RUNS });
      expect(result.verdict).toBe("quirk-found");
      const cx = result.counterexample;
      if (!cx) throw new Error("no counterexample");
      const { run, message } = evaluate(fuzzCase, cx.scenario);
      expect(message).toBe(cx.message);
      const witness = hunt.witness(run);
      expect(witness, `the shrunk trace does not show ${hunt.quirk}: ${cx.message}`).not.toBeNull();
      const recorded = parseReplay(readFileSync(replayPath(hunt), "utf8"), `${hunt.name}.json`);
      expect(
        recorded.scenario,
        "the recorded replay is not the current minimal counterexample: run npx tsx scripts/gen-ct-replays.ts",
      ).toEqual(cx.scenario);
      expect(recorded.verdict).toBe(cx.message);
    });

    it(`on ${fixed}, the same minimal scenario keeps the property and shows no quirk`, () => {
      const recorded = parseReplay(readFileSync(replayPath(hunt), "utf8"), `${hunt.name}.json`);
      const { run, message } = evaluate(
        quirkHuntCase(hunt, "fixed"),
        onMix(recorded.scenario, hunt.fixed),
      );
      expect(message).toBeNull();
      expect(hunt.witness(run)).toBeNull();
    });

    it(`${fixed} keeps the property over ${FIXED_RUNS} runs of the same generator`, () => {
      const result = runCase(quirkHuntCase(hunt, "fixed"), {
        seed: QUIRK_HUNT_SEED,
        runs: FIXED_RUNS,
      });
      expect(result.verdict, result.counterexample?.message).toBe("holds");
      expect(result.runs).toBe(FIXED_RUNS);
    });
  },
);
