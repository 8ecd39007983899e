import { ListScheduler } from "../harness/scheduler.js";
import { SettleLimitError, Simulation, type SimulationOptions } from "../harness/simulation.js";
import { errorText } from "../model/errors.js";
import { copyJson, type JsonObject, type JsonValue } from "../model/json.js";
import { ModelOperationError } from "../model/juju-model.js";
import type { ActionCall, CharmCatalog } from "./catalog.js";
import { describeOperation, type Operation, type Scenario, type UnitRef } from "./operations.js";

export type StepStatus = "ok" | "skipped" | "failed";

export interface StepOutcome {
  readonly index: number;
  readonly op: Operation;
  readonly status: StepStatus;
  /** Why a step was skipped (Juju refused it) or failed (charm code threw, settle did not end). */
  readonly detail?: string;
  /** The unit a unit-targeted step resolved to. */
  readonly unit?: string;
  /** Whether that unit was leader when the step ran. */
  readonly leader?: boolean;
  /** What a `call` returned. */
  readonly value?: JsonValue;
  /** The trace records the step made: sequence numbers from `from` up to (not including) `to`. */
  readonly records?: { readonly from: number; readonly to: number };
}

export interface ScenarioRun {
  readonly sim: Simulation;
  readonly steps: readonly StepOutcome[];
}

/** A step Juju or the scenario itself refuses, in strict mode (hand-written scenario files). */
export class ScenarioStepError extends Error {
  override name = "ScenarioStepError";
  constructor(
    readonly index: number,
    readonly op: Operation,
    reason: string,
  ) {
    super(`step ${index + 1} (${describeOperation(op)}): ${reason}`);
  }
}

export interface RunOptions {
  readonly catalog: CharmCatalog;
  /** Strict: a step Juju refuses throws ScenarioStepError. Otherwise it is skipped and recorded. */
  readonly strict?: boolean;
  readonly onHookError?: SimulationOptions["onHookError"];
  /** Called before each step, with the unit it resolved to (if any); campaigns keep their oracles here. */
  readonly beforeStep?: (step: {
    index: number;
    op: Operation;
    unit: string | null;
    sim: Simulation;
  }) => void;
  /** Called after each step with its outcome. */
  readonly afterStep?: (outcome: StepOutcome, sim: Simulation) => void;
  /** Called every 10,000 hooks of a long settle step, with the step and the hooks run so far. */
  readonly onSettleProgress?: (step: number, hooks: number) => void;
}

/** Resolves a unit reference against the current model; null if it names no unit now. */
export function resolveUnit(sim: Simulation, ref: UnitRef): string | null {
  if (typeof ref === "string") return sim.model.units.get(ref)?.life === "alive" ? ref : null;
  const app = sim.model.apps.get(ref.app);
  if (!app || app.life === "removed") return null;
  const alive = app.units.filter((u) => sim.model.units.get(u)?.life === "alive");
  if ("leader" in ref) return app.leader && alive.includes(app.leader) ? app.leader : null;
  if ("nonLeader" in ref) {
    const others = alive.filter((u) => u !== app.leader);
    return others.length === 0 ? null : (others[ref.nonLeader % others.length] as string);
  }
  return alive.length === 0 ? null : (alive[ref.index % alive.length] as string);
}

function findRelation(sim: Simulation, a: string, b: string): number | null {
  const [appA, epA] = a.split(":") as [string, string];
  const [appB, epB] = b.split(":") as [string, string];
  for (const rel of sim.model.relations.values()) {
    if (rel.life !== "alive" || rel.peer) continue;
    const has = (app: string, ep: string) =>
      rel.ends.some((e) => e.app === app && e.endpoint === ep);
    if (has(appA, epA) && has(appB, epB)) return rel.id;
  }
  return null;
}

/**
 * Runs a scenario in a fresh Simulation. The seed drives every choice unless the scenario gives
 * explicit scheduler choices (fuzz cases do, so interleavings shrink with the case).
 */
export function runScenario(scenario: Scenario, options: RunOptions): ScenarioRun {
  const charms = new Set(scenario.steps.flatMap((s) => (s.op === "deploy" ? [s.charm] : [])));
  const external: Record<string, unknown> = {};
  let credential = null;
  for (const name of [...charms].sort()) {
    const env = options.catalog.get(name).environment?.();
    if (env?.external) Object.assign(external, env.external);
    if (env?.credential) credential = env.credential;
  }
  const sim = new Simulation({
    seed: scenario.seed,
    ...(scenario.choices ? { scheduler: new ListScheduler(scenario.choices, scenario.seed) } : {}),
    ...(options.onHookError ? { onHookError: options.onHookError } : {}),
    external,
  });
  if (credential) sim.setCloudCredential(credential);
  const steps: StepOutcome[] = [];
  const appCharms = new Map<string, string>();
  scenario.steps.forEach((op, index) => {
    const from = sim.trace.nextSeq();
    const ran = runStep(sim, op, index, options, appCharms);
    const outcome: StepOutcome = { ...ran, records: { from, to: sim.trace.nextSeq() } };
    steps.push(outcome);
    options.afterStep?.(outcome, sim);
  });
  return { sim, steps };
}

function runStep(
  sim: Simulation,
  op: Operation,
  index: number,
  options: RunOptions,
  appCharms: Map<string, string>,
): StepOutcome {
  const strict = options.strict ?? false;
  const unitRef = "unit" in op ? op.unit : null;
  const unit = unitRef === null ? null : resolveUnit(sim, unitRef);
  const skip = (detail: string): StepOutcome => {
    if (strict) throw new ScenarioStepError(index, op, detail);
    return { index, op, status: "skipped", detail };
  };
  if (unitRef !== null && unit === null) return skip("no such unit now");
  options.beforeStep?.({ index, op, unit, sim });
  const leader = unit !== null && sim.model.isLeader(unit);
  // Built without spreads: one of these per step, and a spread of a spread takes V8's slow path.
  const base: Pick<StepOutcome, "index" | "op" | "unit" | "leader"> =
    unit === null ? { index, op } : { index, op, unit, leader };
  try {
    switch (op.op) {
      case "deploy": {
        const entry = options.catalog.get(op.charm);
        sim.deploy(op.app, entry.charm, {
          spec: entry.spec,
          units: op.units,
          configValues: op.config,
          trusted: op.trusted,
        });
        appCharms.set(op.app, op.charm);
        break;
      }
      case "add-unit":
        sim.addUnit(op.app);
        break;
      case "remove-unit":
        sim.removeUnit(unit as string);
        break;
      case "integrate":
        sim.integrate(op.a, op.b);
        break;
      case "remove-relation": {
        const id = findRelation(sim, op.a, op.b);
        if (id === null) return skip(`no relation between ${op.a} and ${op.b}`);
        sim.removeRelation(id);
        break;
      }
      case "set-leader":
        sim.setLeader(unit as string);
        break;
      case "set-config":
        sim.setConfig(op.app, op.values);
        break;
      case "trust":
        sim.trust(op.app, op.trusted);
        break;
      case "remove-application":
        sim.removeApplication(op.app);
        break;
      case "call": {
        const u = unit as string;
        const entry = options.catalog.get(appCharms.get(sim.model.unit(u).app) ?? "");
        const routed = entry.actionCalls?.[op.method];
        if (routed) return runActionCall(sim, u, routed, op.args, base, skip);
        const fn = entry.calls[op.method];
        if (!fn) {
          return skip(
            `charm ${entry.name} has no call "${op.method}" (calls: ${[...Object.keys(entry.calls), ...Object.keys(entry.actionCalls ?? {})].join(", ")})`,
          );
        }
        try {
          const value = sim.exec(u, (charm) => fn(charm, op.args));
          return { ...base, status: "ok", ...(value !== undefined ? { value } : {}) };
        } catch (e) {
          if (e instanceof ModelOperationError) return skip(e.message);
          return { ...base, status: "failed", detail: errorText(e) };
        }
      }
      case "write-bag": {
        const u = unit as string;
        try {
          // Through the unit's model, as `juju exec -- relation-set` would: any charm, Python too.
          sim.execModel(u, (model) => {
            for (const rel of model.relations(op.endpoint)) {
              const bag = rel.data.get(op.scope === "unit" ? model.unit : model.app);
              for (const [k, v] of Object.entries(op.data)) bag.set(k, v);
            }
          });
        } catch (e) {
          return skip(`write refused: ${errorText(e)}`);
        }
        break;
      }
      case "run-action": {
        const outcome = sim.runAction(unit as string, op.action, op.params);
        if (outcome.error !== null) {
          return {
            ...base,
            status: "failed",
            detail: `action ${op.action} raised ${errorText(outcome.error)}`,
          };
        }
        let results: JsonValue;
        try {
          results = copyJson(outcome.results, "results");
        } catch (e) {
          return { ...base, status: "failed", detail: `action ${op.action}: ${errorText(e)}` };
        }
        const value: JsonObject = { results };
        if (outcome.failure !== null) value.failure = outcome.failure;
        return { ...base, status: "ok", value };
      }
      case "settle":
        try {
          const progress = options.onSettleProgress;
          sim.settle({
            maxHooks: op.maxHooks,
            ...(progress ? { onProgress: (n: number) => progress(index, n) } : {}),
          });
        } catch (e) {
          if (e instanceof SettleLimitError)
            return { ...base, status: "failed", detail: e.message };
          throw e;
        }
        break;
      case "step":
        for (let i = 0; i < op.count && sim.step(); i++) {}
        break;
      case "update-status":
        sim.updateStatus();
        break;
    }
  } catch (e) {
    if (e instanceof ModelOperationError) return skip(e.message);
    throw e;
  }
  return { ...base, status: "ok" };
}

/**
 * A call routed to actions: each action runs as `juju run` would run it; an exception in one
 * fails the call (later ones do not run), an action's own failure (`event.fail`) does not.
 */
function runActionCall(
  sim: Simulation,
  unit: string,
  call: ActionCall,
  args: readonly JsonValue[],
  base: Pick<StepOutcome, "index" | "op" | "unit" | "leader">,
  skip: (detail: string) => StepOutcome,
): StepOutcome {
  const results: Readonly<Record<string, unknown>>[] = [];
  for (const { action, params } of call.actions(args)) {
    let outcome: ReturnType<Simulation["runAction"]>;
    try {
      outcome = sim.runAction(unit, action, params);
    } catch (e) {
      if (e instanceof ModelOperationError) return skip(e.message);
      throw e;
    }
    if (outcome.error !== null)
      return {
        ...base,
        status: "failed",
        detail: `action ${action} raised ${errorText(outcome.error)}`,
      };
    results.push(outcome.results);
  }
  const value = call.value?.(results);
  return { ...base, status: "ok", ...(value !== undefined ? { value } : {}) };
}
