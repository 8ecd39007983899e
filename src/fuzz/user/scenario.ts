import fc from "fast-check";
import { match } from "ts-pattern";
import type { JsonValue } from "../../model/json.js";
import { type ConfigMeta, type ConfigValue, configValueMatches } from "../../model/metadata.js";
import type { Operation, Scenario } from "../operations.js";
import {
  type FuzzConfig,
  type ResolvedApplication,
  type ResolvedFuzzConfig,
  resolveFuzzConfig,
} from "./config.js";

/**
 * The generator of scenarios for a user's charms, from their metadata alone. fast-check draws a
 * plan of intents ("remove the k-th live unit", "integrate the k-th pair that can be related
 * now"); a small model of what Juju holds (applications, live units, relations alive or dying,
 * endpoint limits, units that have installed) turns the plan into concrete steps, keeping only
 * those Juju accepts at that point. Shrinking works on the plan, so every shrunk scenario is made
 * of valid steps too: nothing a scenario holds is skipped when it runs.
 */

type ConfigOption = ConfigMeta["options"][string];
type Values = Readonly<Record<string, ConfigValue>>;
type Params = Readonly<Record<string, JsonValue>>;

/** One drawn intent; `pick` chooses among what is possible when the intent is reached. */
type Intent =
  | { readonly k: "add-unit"; readonly app: string }
  | { readonly k: "remove-unit"; readonly pick: number }
  | { readonly k: "integrate"; readonly pick: number }
  | { readonly k: "remove-relation"; readonly pick: number }
  | { readonly k: "set-leader"; readonly pick: number }
  | { readonly k: "set-config"; readonly app: string; readonly values: Values }
  | {
      readonly k: "run-action";
      readonly app: string;
      readonly action: string;
      readonly params: Params;
      readonly pick: number;
    }
  | { readonly k: "update-status" }
  | { readonly k: "step"; readonly count: number }
  | { readonly k: "settle" }
  | { readonly k: "remove-application"; readonly app: string };

interface Plan {
  readonly units: Readonly<Record<string, number>>;
  readonly config: Readonly<Record<string, Values>>;
  /** Settle right after the deploys (as an operator waits for units before relating them). */
  readonly settleDeploys: boolean;
  /** Per allowed relation: integrate it right after the deploys (and that settle). */
  readonly initial: readonly boolean[];
  readonly intents: readonly Intent[];
  readonly choices: readonly number[];
  readonly seed: number;
}

const SECRET_ALPHABET = "abcdefghijklmnopqrstuv0123456789".split("");
/** -0 is not a config value JSON keeps; it becomes 0. */
const noNegativeZero = (x: number) => (Object.is(x, -0) ? 0 : x);

/** Values of one config option: from its type, the default first (so shrinking goes there). */
function optionValue(option: ConfigOption): fc.Arbitrary<ConfigValue> {
  const typed = match(option.type)
    .with("string", () => fc.string({ maxLength: 16 }) as fc.Arbitrary<ConfigValue>)
    .with("int", () => fc.integer({ min: -1000, max: 1000 }))
    .with("float", () => fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(noNegativeZero))
    .with("boolean", () => fc.boolean())
    .with("secret", () =>
      fc
        .string({ unit: fc.constantFrom(...SECRET_ALPHABET), minLength: 20, maxLength: 20 })
        .map((id) => `secret:${id}`),
    )
    .exhaustive();
  return option.default === undefined
    ? typed
    : fc.oneof(
        { arbitrary: fc.constant(option.default), weight: 1 },
        { arbitrary: typed, weight: 3 },
      );
}

/**
 * An object with each `optional` key present or absent (half the time each; shrinking drops
 * keys) and each `required` key present.
 */
function someOf<V>(
  optional: Readonly<Record<string, fc.Arbitrary<V>>>,
  required: readonly string[] = [],
): fc.Arbitrary<Record<string, V>> {
  const model: Record<string, fc.Arbitrary<V | undefined>> = {};
  for (const [key, arb] of Object.entries(optional))
    model[key] = required.includes(key) ? arb : fc.option(arb, { nil: undefined, freq: 2 });
  return fc.record(model, { noNullPrototype: true }).map((drawn) => {
    const out: Record<string, V> = {};
    for (const [key, value] of Object.entries(drawn)) if (value !== undefined) out[key] = value;
    return out;
  });
}

/** Some of an application's config options, each with a drawn value (none: `{}`). */
const someConfigValues = (app: ResolvedApplication): fc.Arbitrary<Values> =>
  someOf(configValues(app));

function configValues(app: ResolvedApplication): Record<string, fc.Arbitrary<ConfigValue>> {
  const out: Record<string, fc.Arbitrary<ConfigValue>> = {};
  for (const [key, option] of Object.entries(app.spec.config.options)) {
    const given = app.configValues?.[key];
    out[key] =
      given === undefined
        ? optionValue(option)
        : Array.isArray(given)
          ? fc.constantFrom(...(given as readonly ConfigValue[]))
          : (given as fc.Arbitrary<ConfigValue>).filter((v) => configValueMatches(option.type, v));
  }
  return out;
}

// ---- action params from their JSON schema --------------------------------------------------

type Schema = Readonly<Record<string, unknown>>;
const isSchema = (v: unknown): v is Schema =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** Values valid for one JSON schema (the subset action params use), default first. */
export function schemaValue(schema: Schema, depth = 0): fc.Arbitrary<JsonValue> {
  const choices = Array.isArray(schema.enum) ? (schema.enum as JsonValue[]) : null;
  if (choices && choices.length > 0) return fc.constantFrom(...choices);
  const typed = typedSchemaValue(schema, depth);
  const dflt = schema.default as JsonValue | undefined;
  return dflt === undefined
    ? typed
    : fc.oneof({ arbitrary: fc.constant(dflt), weight: 1 }, { arbitrary: typed, weight: 3 });
}

function typedSchemaValue(schema: Schema, depth: number): fc.Arbitrary<JsonValue> {
  const type = typeof schema.type === "string" ? schema.type : "string";
  switch (type) {
    case "integer": {
      const min = Math.ceil(num(schema.minimum) ?? -1000);
      const max = Math.floor(num(schema.maximum) ?? Math.max(min, 0) + 1000);
      return fc.integer({ min, max: Math.max(min, max) });
    }
    case "number": {
      const min = num(schema.minimum) ?? -1e6;
      const max = num(schema.maximum) ?? Math.max(min, 0) + 1e6;
      return fc.double({ min, max: Math.max(min, max), noNaN: true }).map(noNegativeZero);
    }
    case "boolean":
      return fc.boolean();
    case "array": {
      const items = isSchema(schema.items) ? schema.items : { type: "string" };
      const minLength = num(schema.minItems) ?? 0;
      return fc.array(depth > 3 ? fc.constant(null) : schemaValue(items, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, Math.min(num(schema.maxItems) ?? 4, 4)),
      });
    }
    case "object": {
      if (!isSchema(schema.properties) || depth > 3)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), {
          maxKeys: 3,
          noNullPrototype: true,
        });
      return objectOf(schema.properties, schema.required, depth + 1);
    }
    default: {
      const minLength = num(schema.minLength) ?? 0;
      return fc.string({
        minLength,
        maxLength: Math.max(minLength, Math.min(num(schema.maxLength) ?? 16, 16)),
      });
    }
  }
}

/** An object of declared properties: the required ones always, each optional one or not. */
function objectOf(
  properties: Schema,
  required: unknown,
  depth: number,
): fc.Arbitrary<{ [key: string]: JsonValue }> {
  const requiredKeys = Array.isArray(required)
    ? required.filter((k): k is string => typeof k === "string")
    : [];
  const model: Record<string, fc.Arbitrary<JsonValue>> = {};
  for (const key of new Set([...Object.keys(properties), ...requiredKeys])) {
    const s = properties[key];
    model[key] = schemaValue(isSchema(s) ? s : {}, depth);
  }
  return someOf(model, requiredKeys);
}

// ---- the plan --------------------------------------------------------------------------

function intentArbitrary(config: ResolvedFuzzConfig): fc.Arbitrary<Intent> {
  const apps = config.applications;
  const names = apps.map((a) => a.name);
  const pick = fc.nat({ max: 63 });
  const weighted: fc.WeightedArbitrary<Intent>[] = [
    {
      weight: 3,
      arbitrary: fc.constantFrom(...names).map((app): Intent => ({ k: "add-unit", app })),
    },
    { weight: 2, arbitrary: pick.map((p): Intent => ({ k: "remove-unit", pick: p })) },
    { weight: 2, arbitrary: pick.map((p): Intent => ({ k: "set-leader", pick: p })) },
    { weight: 1, arbitrary: fc.constant<Intent>({ k: "update-status" }) },
    {
      weight: 4,
      arbitrary: fc.integer({ min: 1, max: 25 }).map((count): Intent => ({ k: "step", count })),
    },
    { weight: 1, arbitrary: fc.constant<Intent>({ k: "settle" }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...names).map((app): Intent => ({ k: "remove-application", app })),
    },
  ];
  if (config.relations.length > 0) {
    weighted.push(
      { weight: 3, arbitrary: pick.map((p): Intent => ({ k: "integrate", pick: p })) },
      { weight: 2, arbitrary: pick.map((p): Intent => ({ k: "remove-relation", pick: p })) },
    );
  }
  const setConfig = apps
    .filter((a) => Object.keys(a.spec.config.options).length > 0)
    .map((a) =>
      someConfigValues(a)
        .filter((values) => Object.keys(values).length > 0)
        .map((values): Intent => ({ k: "set-config", app: a.name, values })),
    );
  if (setConfig.length > 0) weighted.push({ weight: 2, arbitrary: fc.oneof(...setConfig) });
  const runAction = apps.flatMap((a) =>
    Object.entries(a.spec.actions).map(([action, spec]) =>
      fc.record({ params: objectOf(spec.params, spec.required, 0), pick }).map(
        ({ params, pick: p }): Intent => ({
          k: "run-action",
          app: a.name,
          action,
          params,
          pick: p,
        }),
      ),
    ),
  );
  if (runAction.length > 0) weighted.push({ weight: 2, arbitrary: fc.oneof(...runAction) });
  return fc.oneof(...weighted);
}

function planArbitrary(config: ResolvedFuzzConfig): fc.Arbitrary<Plan> {
  const units: Record<string, fc.Arbitrary<number>> = {};
  const initialConfig: Record<string, fc.Arbitrary<Values>> = {};
  for (const app of config.applications) {
    units[app.name] = fc.integer({ min: app.units[0], max: app.units[1] });
    initialConfig[app.name] = someConfigValues(app);
  }
  return fc.record({
    units: fc.record(units),
    config: fc.record(initialConfig),
    settleDeploys: fc.boolean(),
    initial: fc.tuple(...config.relations.map(() => fc.boolean())),
    intents: fc.array(intentArbitrary(config), { maxLength: config.steps }),
    choices: fc.array(fc.nat({ max: 1_000 }), { maxLength: 120 }),
    seed: fc.nat(),
  });
}

// ---- from plan to steps ----------------------------------------------------------------

interface AppState {
  alive: boolean;
  nextId: number;
  /** Live units, in creation order. */
  readonly units: string[];
  /** Live units that have installed (a settle ran since they were added). */
  readonly installed: Set<string>;
  readonly max: number;
}

interface RelationState {
  readonly a: string;
  readonly b: string;
  /** Dying after remove-relation or remove-application, until the next settle removes it. */
  dying: boolean;
}

/** What Juju holds, as far as the validity of the next step goes. */
class ModelState {
  readonly apps = new Map<string, AppState>();
  readonly relations: RelationState[] = [];

  constructor(private readonly config: ResolvedFuzzConfig) {}

  deploy(app: ResolvedApplication, units: number): void {
    const state: AppState = {
      alive: true,
      nextId: 0,
      units: [],
      installed: new Set(),
      max: app.units[1],
    };
    for (let i = 0; i < units; i++) state.units.push(`${app.name}/${state.nextId++}`);
    this.apps.set(app.name, state);
  }

  liveApp(name: string): AppState | undefined {
    const app = this.apps.get(name);
    return app?.alive ? app : undefined;
  }

  liveUnits(): string[] {
    return [...this.apps.values()].flatMap((a) => (a.alive ? a.units : []));
  }

  /** Relations that hold or are still being torn down, on one endpoint. */
  private onEndpoint(ref: string): number {
    return this.relations.filter((r) => r.a === ref || r.b === ref).length;
  }

  private limitOf(ref: string): number | undefined {
    const [app, endpoint] = ref.split(":") as [string, string];
    const spec = this.config.applications.find((a) => a.name === app)?.spec.meta;
    return spec?.provides[endpoint]?.limit ?? spec?.requires[endpoint]?.limit;
  }

  /** Pairs integrate may relate now: both applications live, no such relation, limits kept. */
  integrable(): (readonly [string, string])[] {
    return this.config.relations.filter(([a, b]) => {
      const appOf = (ref: string) => ref.slice(0, ref.indexOf(":"));
      if (!this.liveApp(appOf(a)) || !this.liveApp(appOf(b))) return false;
      const same = (r: RelationState) => (r.a === a && r.b === b) || (r.a === b && r.b === a);
      if (this.relations.some(same)) return false;
      return [a, b].every((ref) => {
        const limit = this.limitOf(ref);
        return limit === undefined || this.onEndpoint(ref) < limit;
      });
    });
  }

  /** Every dying relation is gone and every live unit has installed once hooks ran out. */
  settled(): void {
    for (let i = this.relations.length - 1; i >= 0; i--)
      if (this.relations[i]?.dying) this.relations.splice(i, 1);
    for (const app of this.apps.values()) for (const u of app.units) app.installed.add(u);
  }
}

const at = <T>(list: readonly T[], pick: number): T | undefined =>
  list.length === 0 ? undefined : list[pick % list.length];

/**
 * The concrete step an intent is at this point of the scenario (a run-action may need a settle
 * before it), or null when none is valid.
 */
function stepOf(
  intent: Intent,
  state: ModelState,
  config: ResolvedFuzzConfig,
): Operation | Operation[] | null {
  return match(intent)
    .with({ k: "add-unit" }, ({ app }): Operation | null => {
      const a = state.liveApp(app);
      if (!a || a.units.length >= a.max) return null;
      a.units.push(`${app}/${a.nextId++}`);
      return { op: "add-unit", app };
    })
    .with({ k: "remove-unit" }, ({ pick }): Operation | null => {
      const unit = at(state.liveUnits(), pick);
      if (!unit) return null;
      const a = state.apps.get(unit.slice(0, unit.lastIndexOf("/")));
      a?.units.splice(a.units.indexOf(unit), 1);
      a?.installed.delete(unit);
      return { op: "remove-unit", unit };
    })
    .with({ k: "set-leader" }, ({ pick }): Operation | null => {
      const unit = at(state.liveUnits(), pick);
      return unit ? { op: "set-leader", unit } : null;
    })
    .with({ k: "integrate" }, ({ pick }): Operation | null => {
      const pair = at(state.integrable(), pick);
      if (!pair) return null;
      state.relations.push({ a: pair[0], b: pair[1], dying: false });
      return { op: "integrate", a: pair[0], b: pair[1] };
    })
    .with({ k: "remove-relation" }, ({ pick }): Operation | null => {
      const rel = at(
        state.relations.filter((r) => !r.dying),
        pick,
      );
      if (!rel) return null;
      rel.dying = true;
      return { op: "remove-relation", a: rel.a, b: rel.b };
    })
    .with({ k: "set-config" }, ({ app, values }): Operation | null =>
      state.liveApp(app) ? { op: "set-config", app, values } : null,
    )
    .with({ k: "run-action" }, ({ app, action, params, pick }): Operation[] | null => {
      const a = state.liveApp(app);
      if (!a || a.units.length === 0) return null;
      // Juju runs actions on installed units only: settle first when none has installed yet.
      const first: Operation[] = [];
      if (a.installed.size === 0) {
        state.settled();
        first.push({ op: "settle", maxHooks: config.maxHooks });
      }
      const unit = at([...a.installed], pick) as string;
      return [...first, { op: "run-action", unit, action, params }];
    })
    .with({ k: "update-status" }, (): Operation => ({ op: "update-status" }))
    .with({ k: "step" }, ({ count }): Operation => ({ op: "step", count }))
    .with({ k: "settle" }, (): Operation => {
      state.settled();
      return { op: "settle", maxHooks: config.maxHooks };
    })
    .with({ k: "remove-application" }, ({ app }): Operation | null => {
      const a = state.liveApp(app);
      if (!a) return null;
      a.alive = false;
      a.units.length = 0;
      a.installed.clear();
      const prefix = `${app}:`;
      for (const r of state.relations)
        if (r.a.startsWith(prefix) || r.b.startsWith(prefix)) r.dying = true;
      return { op: "remove-application", app };
    })
    .exhaustive();
}

/** Turns a plan into a scenario of steps Juju accepts, each at the point where it runs. */
function scenarioOf(config: ResolvedFuzzConfig, plan: Plan): Scenario {
  const state = new ModelState(config);
  const steps: Operation[] = [];
  for (const app of config.applications) {
    const units = plan.units[app.name] ?? app.units[0];
    state.deploy(app, units);
    steps.push({
      op: "deploy",
      app: app.name,
      charm: app.name,
      units,
      config: { ...(plan.config[app.name] ?? {}) },
      trusted: app.trusted,
    });
  }
  if (plan.settleDeploys) {
    state.settled();
    steps.push({ op: "settle", maxHooks: config.maxHooks });
  }
  const initial = config.relations.filter((_, i) => plan.initial[i] === true);
  for (const pair of initial) {
    if (!state.integrable().includes(pair)) continue;
    state.relations.push({ a: pair[0], b: pair[1], dying: false });
    steps.push({ op: "integrate", a: pair[0], b: pair[1] });
  }
  for (const intent of plan.intents) {
    const step = stepOf(intent, state, config);
    if (Array.isArray(step)) steps.push(...step);
    else if (step) steps.push(step);
  }
  steps.push({ op: "settle", maxHooks: config.maxHooks });
  return {
    name: config.name,
    seed: plan.seed,
    choices: [...plan.choices],
    steps,
  };
}

/**
 * A fast-check arbitrary of scenarios for the config's charms, derived from their metadata:
 * deploys within the unit ranges, then add-unit, remove-unit, integrate and remove-relation over
 * the allowed pairs, set-leader, set-config (values from each option's type and default),
 * run-action (params from the action's JSON schema), update-status, partial progress (`step`,
 * so operations interleave with hooks), settle and remove-application, ending with a settle.
 * Every step is one Juju accepts where it stands, before and after shrinking.
 */
export function modelScenario(config: FuzzConfig): fc.Arbitrary<Scenario> {
  const resolved = resolveFuzzConfig(config);
  return planArbitrary(resolved).map((plan) => scenarioOf(resolved, plan));
}
