import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { bundledCatalog } from "../src/fuzz/campaigns/index.js";
import { orderingScenario } from "../src/fuzz/campaigns/juju-ordering.js";
import { runScenario } from "../src/fuzz/execute.js";
import { checkInvariants, formatViolations } from "../src/harness/invariants.js";
import type { HookRecord } from "../src/harness/trace.js";

const catalog = bundledCatalog();

describe("Juju ordering", () => {
  test.prop([orderingScenario], { numRuns: 150 })(
    "every trace of random operations and interleavings satisfies I1-I11",
    (scenario) => {
      const run = runScenario(scenario, { catalog, onHookError: "skip" });
      const violations = checkInvariants(run.sim.trace);
      expect(violations, formatViolations(violations)).toEqual([]);
      expect(run.steps.filter((s) => s.op.op === "settle" && s.status === "failed")).toEqual([]);
      expect(run.sim.pendingUnits()).toEqual([]);
    },
  );

  test.prop([orderingScenario], { numRuns: 40 })(
    "the same scenario gives a byte-identical trace",
    (scenario) => {
      const a = runScenario(scenario, { catalog, onHookError: "skip" }).sim.trace.toJsonText();
      const b = runScenario(scenario, { catalog, onHookError: "skip" }).sim.trace.toJsonText();
      expect(b).toBe(a);
    },
  );

  test.prop([orderingScenario.filter((s) => s.steps.length > 6), fc.nat()], { numRuns: 40 })(
    "a hook that throws commits nothing (I11) and the unit keeps the data it had",
    (scenario, pick) => {
      const failing = {
        ...scenario,
        steps: [
          ...scenario.steps.slice(0, 4),
          {
            op: "set-config" as const,
            app: (["p", "r", "q"] as const)[pick % 3] ?? "p",
            values: { "fail-hook": "relation-changed" },
          },
          ...scenario.steps.slice(4),
        ],
      };
      const run = runScenario(failing, { catalog, onHookError: "skip" });
      const failed = new Set(
        run.sim.trace
          .hooks()
          .filter((h) => !h.ok)
          .map((h) => h.seq),
      );
      const commitsOfFailed = run.sim.trace.records.filter(
        (r) => r.t === "commit" && failed.has(r.hook),
      );
      expect(commitsOfFailed).toEqual([]);
      expect(checkInvariants(run.sim.trace).filter((v) => v.invariant === "I11")).toEqual([]);
    },
  );

  it("watcher lag is part of the generated interleavings: orders only lagging views give appear", () => {
    const joinedBeforeCreated = (hooks: readonly HookRecord[]) =>
      hooks.some(
        (j) =>
          j.kind === "relation-joined" &&
          hooks.some(
            (c) =>
              c.unit === j.remote &&
              c.kind === "relation-created" &&
              c.rel === j.rel &&
              c.seq > j.seq,
          ),
      );
    const brokenWithoutCreated = (hooks: readonly HookRecord[]) =>
      hooks.some(
        (b) =>
          b.kind === "relation-broken" &&
          !hooks.some((c) => c.unit === b.unit && c.rel === b.rel && c.kind === "relation-created"),
      );
    const departedDuringTeardown = (hooks: readonly HookRecord[]) =>
      hooks.some(
        (d) =>
          d.kind === "relation-departed" &&
          d.departing === d.remote &&
          hooks.some((t) => t.unit === d.remote && t.seq > d.seq && t.kind !== "remove"),
      );
    const found = {
      joinedBeforeCreated: 0,
      brokenWithoutCreated: 0,
      departedDuringTeardown: 0,
    };
    for (const scenario of fc.sample(orderingScenario, { seed: 7, numRuns: 300 })) {
      const run = runScenario(scenario, { catalog, onHookError: "skip" });
      const hooks = run.sim.trace.hooks();
      if (joinedBeforeCreated(hooks)) found.joinedBeforeCreated++;
      if (brokenWithoutCreated(hooks)) found.brokenWithoutCreated++;
      if (departedDuringTeardown(hooks)) found.departedDuringTeardown++;
    }
    for (const [order, count] of Object.entries(found)) expect(count, order).toBeGreaterThan(0);
  });
});
