/**
 * fuzz(config): the user's properties and the built-ins run over generated scenarios and give the
 * bundled campaigns' CaseResult records. A planted ordering bug in a charm pair of the tests' own
 * is found and shrunk to the few steps that show it; the fixed pair holds. Built-ins find a charm
 * that raises on some config value; properties that throw or return nonsense are violations.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/fuzz/execute.js";
import {
  defineFuzzConfig,
  type FuzzConfig,
  fuzz,
  fuzzCases,
  resolveFuzzConfig,
} from "../../src/fuzz/user/index.js";
import { CharmBase, type Framework, InputError } from "../../src/index.js";
import buggy from "./configs/buggy.config.js";
import fixed from "./configs/fixed.config.js";
import { webLearnsTheUrl } from "./configs/properties.js";

describe("fuzz: a planted ordering bug", () => {
  it("is found and shrunk to a handful of steps", () => {
    const [result] = fuzz(buggy, { seed: 1, runs: 100, properties: ["web learns the url"] });
    expect(result).toMatchObject({
      campaign: "url-buggy",
      property: "web learns the url",
      variant: "user",
      expect: "hold",
      verdict: "fails",
    });
    const cx = result?.counterexample;
    expect(cx?.message).toMatch(
      /^web\/0 is blocked "waiting for a database", not using pg:\/\/db$/,
    );
    // Shrunk: the two deploys (of few units), the integrate, at most a couple of other steps,
    // the final settle; no hook-order noise beyond what the bug needs.
    const steps = cx?.scenario.steps ?? [];
    expect(steps.length).toBeLessThanOrEqual(6);
    expect(steps.slice(0, 2).map((s) => (s.op === "deploy" ? s.app : s.op))).toEqual(["db", "web"]);
    const units = steps.reduce((n, s) => n + (s.op === "deploy" ? s.units : 0), 0);
    expect(units).toBeLessThanOrEqual(3);
    expect(steps.map((s) => s.op)).toContain("integrate");
    expect(steps.at(-1)?.op).toBe("settle");
    // The shrunk scenario reproduces: web/0 joined before db's leader published the url.
    const run = runScenario(cx?.scenario ?? { seed: 0, steps: [] }, {
      catalog: resolveFuzzConfig(buggy).catalog,
      onHookError: "skip",
    });
    const records = run.sim.trace.records;
    const published = records.find((r) => r.t === "commit" && r.set.url === "pg://db");
    const joined = records.filter(
      (r) => r.t === "hook" && r.unit === "web/0" && r.kind === "relation-joined",
    );
    expect(published && joined.length > 0).toBe(true);
    for (const j of joined) expect(j.seq).toBeLessThan(published?.seq ?? 0);
    expect(
      webLearnsTheUrl({
        sim: run.sim,
        trace: run.sim.trace,
        steps: run.steps,
        scenario: cx?.scenario ?? { seed: 0, steps: [] },
      }),
    ).toBe(cx?.message);
  });

  it("the fixed pair holds, and so do the built-ins for both pairs", () => {
    const results = fuzz(fixed, { seed: 1, runs: 150 });
    expect(results.map((r) => [r.property, r.runs, r.verdict])).toEqual([
      ["juju.invariants", 150, "holds"],
      ["juju.settles", 150, "holds"],
      ["charm.no-hook-raised", 150, "holds"],
      ["web learns the url", 150, "holds"],
    ]);
    const builtins = fuzz(buggy, {
      seed: 2,
      runs: 60,
      properties: ["juju.invariants", "juju.settles", "charm.no-hook-raised"],
    });
    expect(builtins.map((r) => r.verdict)).toEqual(["holds", "holds", "holds"]);
  });
});

class Workers extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.configChanged, () => {
      const workers = this.config.workers;
      if (typeof workers === "number" && workers < 0)
        throw new Error(`cannot run ${workers} workers`);
    });
  }
}
const workersConfig = (extra: Partial<FuzzConfig> = {}): FuzzConfig =>
  defineFuzzConfig({
    name: "workers",
    applications: {
      w: {
        charm: Workers,
        meta: { name: "workers" },
        config: { options: { workers: { type: "int", default: 1 } } },
        units: [1, 2],
      },
    },
    ...extra,
  });

describe("fuzz: built-in properties", () => {
  it("no hook raised: finds the config value a charm cannot take", () => {
    const [result] = fuzz(workersConfig(), {
      seed: 3,
      runs: 100,
      properties: ["charm.no-hook-raised"],
    });
    expect(result?.verdict).toBe("fails");
    expect(result?.counterexample?.message).toMatch(
      /^w\/0 config-changed raised Error: cannot run -\d+ workers$/,
    );
    // Shrunk to the deploy, the value -1 (at deploy or by set-config) and the settle.
    const steps = result?.counterexample?.scenario.steps ?? [];
    expect(steps.length).toBeLessThanOrEqual(3);
    expect(steps[0]).toMatchObject({ op: "deploy", app: "w", units: 1 });
    expect(steps.at(-1)?.op).toBe("settle");
    expect(
      steps.some(
        (s) =>
          (s.op === "deploy" && s.config.workers === -1) ||
          (s.op === "set-config" && s.values.workers === -1),
      ),
    ).toBe(true);
  });

  it("each built-in can be switched off", () => {
    const config = workersConfig({
      builtins: { noHookRaised: false, settles: false },
      properties: { "always holds": () => null },
    });
    expect(fuzzCases(config).map((c) => c.property)).toEqual(["juju.invariants", "always holds"]);
    const none = workersConfig({
      builtins: { invariants: false, settles: false, noHookRaised: false },
    });
    expect(fuzzCases(none)).toEqual([]);
  });

  it("properties given to fuzz run instead of the config's own", () => {
    const results = fuzz(fixed, {
      seed: 5,
      runs: 10,
      properties: { "db has a leader": (run) => (run.sim.leader("db") ? null : "no db leader") },
    });
    expect(results.map((r) => [r.property, r.verdict])).toEqual([
      ["juju.invariants", "holds"],
      ["juju.settles", "holds"],
      ["charm.no-hook-raised", "holds"],
      ["db has a leader", "fails"],
    ]);
    // Removing db (or all its units) leaves it without a leader: found.
    const ops = results[3]?.counterexample?.scenario.steps.map((s) => s.op) ?? [];
    expect(ops.includes("remove-application") || ops.includes("remove-unit")).toBe(true);
  });

  it("properties are selected by name; an unknown name is bad input", () => {
    expect(fuzzCases(fixed, { properties: ["web learns the url"] }).map((c) => c.property)).toEqual(
      ["web learns the url"],
    );
    expect(() => fuzzCases(fixed, { properties: ["nope"] })).toThrow(InputError);
    expect(() => fuzzCases(fixed, { properties: ["nope"] })).toThrow(
      /unknown property "nope"; properties: juju.invariants, juju.settles, charm.no-hook-raised, web learns the url/,
    );
  });
});

describe("fuzz: user properties", () => {
  it("a property that throws, or returns something other than null or a message, fails", () => {
    const config = workersConfig({
      builtins: { invariants: false, settles: false, noHookRaised: false },
      properties: {
        throws: () => {
          throw new Error("expected 1 to be 2");
        },
        "returns a number": () => 3 as unknown as string,
        holds: (run) => (run.trace === run.sim.trace && run.steps.length > 0 ? null : "no run"),
      },
    });
    const results = fuzz(config, { seed: 4, runs: 20 });
    expect(results.map((r) => [r.property, r.verdict, r.counterexample?.message])).toEqual([
      ["throws", "fails", "the property threw Error: expected 1 to be 2"],
      [
        "returns a number",
        "fails",
        "the property returned number; return null when it holds, else a message",
      ],
      ["holds", "holds", undefined],
    ]);
  });
});
