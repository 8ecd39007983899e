/**
 * runScenario: how each step runs, unit references, strict and non-strict handling of steps Juju
 * refuses, raw databag writes, charm calls, and the per-step hooks campaigns use.
 */
import { describe, expect, it } from "vitest";
import { bundledCatalog } from "../../src/fuzz/campaigns/index.js";
import {
  resolveUnit,
  runScenario,
  ScenarioStepError,
  type StepOutcome,
} from "../../src/fuzz/execute.js";
import { type Operation, type ScenarioInput, scenarioSchema } from "../../src/fuzz/operations.js";
import { fixtureCertificate } from "../../src/pki/fixtures.js";

const catalog = bundledCatalog();
const scenario = (input: ScenarioInput) => scenarioSchema.parse(input);

/** A v1 provider `ca` (2 units) and requirer `app` (3 units), related and settled. */
const base: ScenarioInput["steps"] = [
  { op: "deploy", app: "ca", charm: "ct-provider-v1", units: 2 },
  { op: "deploy", app: "app", charm: "ct-requirer-v1", units: 3 },
  { op: "integrate", a: "ca:certificates", b: "app:certificates" },
  { op: "settle" },
];
const run = (steps: ScenarioInput["steps"], strict = false, seed = 1) =>
  runScenario(scenario({ seed, steps: [...base, ...steps] }), { catalog, strict });
const last = (steps: readonly StepOutcome[]) => steps.at(-1) as StepOutcome;

describe("runScenario", () => {
  it("runs model operations and records each step's outcome", () => {
    const r = run([{ op: "add-unit", app: "app" }, { op: "settle" }]);
    expect(r.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok"]);
    expect(r.sim.units("app")).toEqual(["app/0", "app/1", "app/2", "app/3"]);
    expect(r.sim.pendingUnits()).toEqual([]);
  });

  describe("unit references", () => {
    it("by name, by index (modulo the live units), leader and non-leader", () => {
      const r = run([
        { op: "set-leader", unit: "ca/1" },
        { op: "remove-unit", unit: { app: "app", index: 4 } },
        { op: "call", unit: { app: "ca", leader: true }, method: "add", args: [["client-00"]] },
        { op: "call", unit: { app: "ca", nonLeader: 5 }, method: "removeAll" },
        { op: "set-leader", unit: { app: "app", nonLeader: 0 } },
      ]);
      const [setLeader, remove, leaderCall, nonLeaderCall, appLeader] = r.steps.slice(4);
      expect(setLeader).toMatchObject({ status: "ok", unit: "ca/1", leader: false });
      // 3 live units: index 4 is the second one.
      expect(remove).toMatchObject({ status: "ok", unit: "app/1" });
      expect(leaderCall).toMatchObject({ status: "ok", unit: "ca/1", leader: true });
      expect(nonLeaderCall).toMatchObject({ status: "ok", unit: "ca/0", leader: false });
      // app/1 is dying: the non-leaders are app/1's live siblings only.
      expect(appLeader?.unit).not.toBe("app/1");
      expect(r.sim.leader("ca")).toBe("ca/1");
    });

    it("resolveUnit: null for a unit that is gone, an app without units or an unknown app", () => {
      const r = run([{ op: "remove-application", app: "app" }, { op: "settle" }]);
      expect(resolveUnit(r.sim, "app/0")).toBeNull();
      expect(resolveUnit(r.sim, { app: "app", index: 0 })).toBeNull();
      expect(resolveUnit(r.sim, { app: "nope", leader: true })).toBeNull();
      expect(resolveUnit(r.sim, { app: "ca", leader: true })).toBe(r.sim.leader("ca"));
      expect(resolveUnit(r.sim, "ca/0")).toBe("ca/0");
    });

    it("non-leader of an application with only its leader: no unit", () => {
      const r = runScenario(
        scenario({
          steps: [
            { op: "deploy", app: "ca", charm: "ct-provider-v1" },
            { op: "call", unit: { app: "ca", nonLeader: 0 }, method: "removeAll" },
          ],
        }),
        { catalog },
      );
      expect(last(r.steps)).toMatchObject({ status: "skipped", detail: "no such unit now" });
    });
  });

  describe("steps Juju refuses", () => {
    const refused: [string, Operation, RegExp][] = [
      ["a unit that does not exist", { op: "remove-unit", unit: "app/9" }, /no such unit now/],
      [
        "a relation that does not exist",
        { op: "remove-relation", a: "ca:certificates", b: "other:certificates" },
        /no relation between ca:certificates and other:certificates/,
      ],
      [
        "a relation that already exists",
        { op: "integrate", a: "ca:certificates", b: "app:certificates" },
        /./,
      ],
      ["an unknown application", { op: "add-unit", app: "nope" }, /nope/],
      [
        "a call the charm does not have",
        { op: "call", unit: "ca/0", method: "fly", args: [] },
        /charm ct-provider-v1 has no call "fly" \(calls: add, remove, removeAll\)/,
      ],
      [
        "an unknown config option",
        { op: "set-config", app: "app", values: { colour: "red" } },
        /has no config option "colour"/,
      ],
    ];

    it.each(refused)("non-strict: %s is skipped with the reason", (_what, op, reason) => {
      const r = run([op]);
      const step = last(r.steps);
      expect(step.status).toBe("skipped");
      expect(step.detail).toMatch(reason);
    });

    it.each(refused)("strict: %s throws ScenarioStepError naming the step", (_what, op, reason) => {
      let error: unknown;
      try {
        run([op], true);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ScenarioStepError);
      const e = error as ScenarioStepError;
      expect(e.index).toBe(4);
      expect(e.op).toEqual(op);
      expect(e.message).toMatch(/^step 5 \(/);
      expect(e.message).toMatch(reason);
    });

    it("an unknown charm is bad input in both modes", () => {
      for (const strict of [false, true]) {
        expect(() =>
          runScenario(scenario({ steps: [{ op: "deploy", app: "x", charm: "nope" }] }), {
            catalog,
            strict,
          }),
        ).toThrow(/unknown charm "nope"; known charms: chatty-provider/);
      }
    });
  });

  describe("write-bag", () => {
    it("writes raw data into the unit's own bag, as a peer that ignores the protocol would", () => {
      const r = run([
        {
          op: "write-bag",
          unit: "app/2",
          endpoint: "certificates",
          scope: "unit",
          data: { certificates: "not json", extra: "1" },
        },
      ]);
      expect(last(r.steps)).toMatchObject({ status: "ok", unit: "app/2" });
      const rel = [...r.sim.model.relations.values()].find((x) => !x.peer)?.id ?? -1;
      expect(r.sim.bag(rel, "app/2")).toMatchObject({ certificates: "not json", extra: "1" });
    });

    it("the application bag: the leader may write it, another unit is refused", () => {
      const r = run([
        { op: "set-leader", unit: "app/0" },
        {
          op: "write-bag",
          unit: { app: "app", leader: true },
          endpoint: "certificates",
          scope: "app",
          data: { k: "v" },
        },
        {
          op: "write-bag",
          unit: { app: "app", nonLeader: 0 },
          endpoint: "certificates",
          scope: "app",
          data: { k: "w" },
        },
      ]);
      const [leader, other] = r.steps.slice(-2);
      expect(leader).toMatchObject({ status: "ok", unit: "app/0" });
      expect(other?.status).toBe("skipped");
      expect(other?.detail).toMatch(/^write refused: /);
      const rel = [...r.sim.model.relations.values()].find((x) => !x.peer)?.id ?? -1;
      expect(r.sim.bag(rel, "app").k).toBe("v");
    });

    it("strict: a refused write throws", () => {
      expect(() =>
        run(
          [
            {
              op: "write-bag",
              unit: { app: "app", nonLeader: 0 },
              endpoint: "certificates",
              scope: "app",
              data: { k: "w" },
            },
          ],
          true,
        ),
      ).toThrow(ScenarioStepError);
    });
  });

  describe("call", () => {
    it("returns what the charm call returns", () => {
      const r = run([
        { op: "call", unit: { app: "ca", leader: true }, method: "add", args: [["client-01"]] },
        { op: "settle" },
        { op: "call", unit: "app/0", method: "getAll" },
      ]);
      const step = last(r.steps);
      expect(step.status).toBe("ok");
      expect(step.value).toEqual([fixtureCertificate("client-01").certPem]);
    });

    it("a call that throws is a failed step (not skipped), in both modes", () => {
      // The v1 requirer library throws for a relation id it does not know (a spec QUIRK).
      for (const strict of [false, true]) {
        const r = run([{ op: "call", unit: "app/0", method: "getAll", args: [99] }], strict);
        const step = last(r.steps);
        expect(step.status).toBe("failed");
        expect(step.detail).toMatch(/^[A-Za-z]+Error: /);
      }
    });
  });

  it("a settle that does not finish within its budget is a failed step", () => {
    const r = runScenario(
      scenario({
        steps: [
          { op: "deploy", app: "ca", charm: "ct-provider-v1", units: 3 },
          { op: "settle", maxHooks: 2 },
        ],
      }),
      { catalog, strict: true },
    );
    expect(last(r.steps)).toMatchObject({ status: "failed" });
    expect(last(r.steps).detail).toMatch(/settle\(\) ran 2 hooks without reaching quiescence/);
  });

  it("step runs at most `count` hooks and stops early when nothing is pending", () => {
    const r = runScenario(
      scenario({
        steps: [
          { op: "deploy", app: "ca", charm: "ct-provider-v1" },
          { op: "step", count: 2 },
        ],
      }),
      { catalog },
    );
    expect(r.sim.trace.hooks()).toHaveLength(2);
    const all = runScenario(
      scenario({
        steps: [
          { op: "deploy", app: "ca", charm: "ct-provider-v1" },
          { op: "step", count: 10_000 },
        ],
      }),
      { catalog },
    );
    expect(all.sim.pendingUnits()).toEqual([]);
  });

  it("beforeStep sees the resolved unit; afterStep every outcome", () => {
    const before: (string | null)[] = [];
    const after: string[] = [];
    runScenario(
      scenario({
        steps: [
          ...base,
          { op: "remove-unit", unit: { app: "app", index: 1 } },
          { op: "remove-unit", unit: "app/7" },
        ],
      }),
      {
        catalog,
        beforeStep: ({ op, unit }) => before.push(`${op.op}:${unit}`),
        afterStep: (o) => after.push(`${o.index}:${o.status}`),
      },
    );
    // A step whose unit does not resolve is skipped before beforeStep runs.
    expect(before).toEqual([
      "deploy:null",
      "deploy:null",
      "integrate:null",
      "settle:null",
      "remove-unit:app/1",
    ]);
    expect(after).toEqual(["0:ok", "1:ok", "2:ok", "3:ok", "4:ok", "5:skipped"]);
  });

  it("the seed, or explicit scheduler choices, make a run reproducible", () => {
    const steps: ScenarioInput["steps"] = [
      ...base,
      { op: "add-unit", app: "app" },
      { op: "remove-unit", unit: "app/0" },
      { op: "settle" },
    ];
    const text = (input: ScenarioInput) =>
      runScenario(scenario(input), { catalog }).sim.trace.toJsonText();
    expect(text({ seed: 5, steps })).toBe(text({ seed: 5, steps }));
    expect(text({ seed: 5, steps })).not.toBe(text({ seed: 6, steps }));
    const choices = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
    expect(text({ seed: 5, choices, steps })).toBe(text({ seed: 5, choices, steps }));
    expect(text({ seed: 5, choices, steps })).not.toBe(text({ seed: 5, choices: [0], steps }));
  });

  it("a deployed charm's environment reaches the simulation (the lxd world and credential)", () => {
    const r = runScenario(
      scenario({
        steps: [
          { op: "deploy", app: "lxd", charm: "lxd-integrator-fixed", trusted: true },
          { op: "settle" },
          { op: "call", unit: "lxd/0", method: "trustStore" },
        ],
      }),
      { catalog, strict: true },
    );
    expect(r.sim.unitStatus("lxd/0").name).toBe("active");
    const stores = last(r.steps).value as Record<string, string[]>;
    expect(Object.keys(stores)).toEqual(["https://10.0.8.1:8443"]);
    expect(Object.values(stores)[0]).toHaveLength(1);
  });
});
