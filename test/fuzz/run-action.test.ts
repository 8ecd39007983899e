/**
 * The run-action step of scenarios: it runs `juju run unit action` through the simulation, reports
 * results and failures, refuses what Juju refuses, and counts a raised action as a failed step.
 */
import { describe, expect, it } from "vitest";
import { type CatalogCharm, CharmCatalog } from "../../src/fuzz/catalog.js";
import { runScenario, ScenarioStepError } from "../../src/fuzz/execute.js";
import {
  describeOperation,
  type ScenarioInput,
  scenarioSchema,
} from "../../src/fuzz/operations.js";
import { type ActionEvent, CharmBase, type Framework } from "../../src/index.js";
import { charmSpec } from "../../src/model/metadata.js";

class Counter extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.action("add"), (event: ActionEvent) => {
      const by = event.params.by;
      if (by === "boom") throw new Error("asked to raise");
      if (typeof by !== "number") {
        event.fail(`by must be a number, got ${JSON.stringify(by)}`);
        return;
      }
      event.setResults({ total: by + 1, note: event.params.note ?? "none" });
    });
  }
}

const entry: CatalogCharm = {
  name: "counter",
  description: "an action-only charm",
  charm: Counter,
  spec: charmSpec({
    meta: { name: "counter" },
    actions: {
      add: {
        params: { by: { type: "integer" }, note: { type: "string", default: "n/a" } },
        required: ["by"],
      },
    },
  }),
  calls: {},
};
const catalog = new CharmCatalog([entry]);
const run = (steps: ScenarioInput["steps"], strict = false) =>
  runScenario(
    scenarioSchema.parse({
      steps: [{ op: "deploy", app: "c", charm: "counter" }, { op: "settle" }, ...steps],
    }),
    { catalog, strict },
  );

describe("run-action steps", () => {
  it("returns the action's results, with the declared defaults filled in", () => {
    const r = run([{ op: "run-action", unit: "c/0", action: "add", params: { by: 2 } }]);
    expect(r.steps[2]).toMatchObject({
      status: "ok",
      unit: "c/0",
      value: { results: { total: 3, note: "n/a" } },
    });
    expect(r.sim.trace.hooks().at(-1)).toMatchObject({ kind: "action", action: "add", ok: true });
  });

  it("an action that calls fail() is a step that ran, with its failure message", () => {
    const r = run([{ op: "run-action", unit: "c/0", action: "add", params: { by: "x" } }]);
    expect(r.steps[2]).toMatchObject({
      status: "ok",
      value: { results: {}, failure: 'by must be a number, got "x"' },
    });
  });

  it("an action that raises is a failed step", () => {
    const r = run([{ op: "run-action", unit: "c/0", action: "add", params: { by: "boom" } }]);
    expect(r.steps[2]).toMatchObject({ status: "failed" });
    expect(r.steps[2]?.detail).toContain("asked to raise");
  });

  it("Juju refuses a missing required param, an unknown action, a unit not installed", () => {
    const r = run([
      { op: "run-action", unit: "c/0", action: "add" },
      { op: "run-action", unit: "c/0", action: "nope" },
      { op: "add-unit", app: "c" },
      { op: "run-action", unit: "c/1", action: "add", params: { by: 1 } },
    ]);
    expect(r.steps.map((s) => s.status)).toEqual([
      "ok",
      "ok",
      "skipped",
      "skipped",
      "ok",
      "skipped",
    ]);
    expect(r.steps[2]?.detail).toContain('needs param "by"');
    expect(r.steps[3]?.detail).toContain('no action "nope"');
    expect(r.steps[5]?.detail).toContain("has not run install");
    expect(() => run([{ op: "run-action", unit: "c/0", action: "add" }], true)).toThrow(
      ScenarioStepError,
    );
  });

  it("is described in one line", () => {
    const [op] = scenarioSchema.parse({
      steps: [
        { op: "run-action", unit: { app: "c", leader: true }, action: "add", params: { by: 1 } },
      ],
    }).steps;
    expect(op && describeOperation(op)).toBe('run-action c[leader] add {"by":1}');
  });
});
