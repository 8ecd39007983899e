import type fc from "fast-check";
import { z } from "zod";
import type { CharmClass } from "../../harness/ops/charm.js";
import type { Simulation } from "../../harness/simulation.js";
import type { Trace } from "../../harness/trace.js";
import { InputError, type InputIssue } from "../../model/errors.js";
import {
  type ActionsMetaInput,
  type CharmMetaInput,
  type CharmSpec,
  type ConfigMetaInput,
  type ConfigValue,
  charmSpec,
  configValueMatches,
  type EndpointRole,
  findEndpoint,
} from "../../model/metadata.js";
import { isPythonCharm, PYTHON_CHARM } from "../../python/charm.js";
import { type CatalogCharm, CharmCatalog, type CharmEnvironment } from "../catalog.js";
import type { StepOutcome } from "../execute.js";
import type { Scenario } from "../operations.js";

/** One application of the model the fuzzer builds: a charm, its metadata and its scale. */
export interface FuzzApplication {
  /** The charm class (a CharmBase subclass), or a Python charm (`pythonCharm(dir)`). */
  readonly charm: CharmClass;
  /**
   * metadata.yaml content (name, provides, requires, peers); or give `spec`. A Python charm takes
   * its metadata from its directory: leave meta, config, actions and spec out.
   */
  readonly meta?: CharmMetaInput;
  /** config.yaml content: options set-config draws values for, from their types. */
  readonly config?: ConfigMetaInput;
  /** actions.yaml content: actions run-action runs, with params drawn from their JSON schema. */
  readonly actions?: ActionsMetaInput;
  /** A loaded spec (e.g. `loadCharmSpec(dir)`), instead of meta / config / actions. */
  readonly spec?: CharmSpec;
  /** [min, max] units at deploy (default [1, 3]); add-unit keeps the application at or below max. */
  readonly units?: readonly [number, number];
  /** Deploy trusted (`juju trust`), for charms that read the cloud credential. */
  readonly trusted?: boolean;
  /**
   * Values set-config draws for some options, instead of values drawn from the option's type: a
   * list of values, or a fast-check arbitrary (values of another type than the option's are
   * left out).
   */
  readonly configValues?: Readonly<
    Record<string, readonly ConfigValue[] | fc.Arbitrary<ConfigValue>>
  >;
  /** The simulated world the charm talks to (external systems, cloud credential), per run. */
  readonly environment?: () => CharmEnvironment;
}

/** What a property receives: the run's simulation (settled) and its trace. */
export interface FuzzRun {
  readonly sim: Simulation;
  readonly trace: Trace;
  /** The scenario's steps as they ran. */
  readonly steps: readonly StepOutcome[];
  readonly scenario: Scenario;
}

/**
 * A property of the settled end state of every scenario: null when it holds, else a message
 * saying what is wrong. A property may also throw (e.g. a failed `expect`): the error's message
 * is then the violation.
 */
export type FuzzProperty = (run: FuzzRun) => string | null;

/** The built-in properties; each is on unless set to false. */
export interface FuzzBuiltins {
  /** The trace satisfies Juju's ordering invariants I1-I11 (checkInvariants). */
  readonly invariants?: boolean;
  /** Every settle reaches quiescence within its hook budget. */
  readonly settles?: boolean;
  /** No hook (or action) of any charm raised. */
  readonly noHookRaised?: boolean;
}

export interface FuzzConfig {
  /** Names the campaign in reports and replay files. */
  readonly name: string;
  readonly applications: Readonly<Record<string, FuzzApplication>>;
  /**
   * The endpoint pairs integrate may relate, as ["app:endpoint", "app:endpoint"]. Default: every
   * provides/requires pair of two applications with the same interface.
   */
  readonly relations?: readonly (readonly [string, string])[];
  /** The user's properties, by name, checked on the settled end state of each scenario. */
  readonly properties?: Readonly<Record<string, FuzzProperty>>;
  readonly builtins?: FuzzBuiltins;
  /** Most random operations per scenario, between the deploys and the final settle (default 12). */
  readonly steps?: number;
  /** Hook budget of each settle (default 20000). */
  readonly maxHooks?: number;
}

/** An application with its metadata validated. */
export interface ResolvedApplication {
  readonly name: string;
  readonly charm: CharmClass;
  readonly spec: CharmSpec;
  readonly units: readonly [number, number];
  readonly trusted: boolean;
  readonly configValues: FuzzApplication["configValues"];
}

/** A config after validation: everything the generator and the runner need. */
export interface ResolvedFuzzConfig {
  readonly name: string;
  readonly applications: readonly ResolvedApplication[];
  /** Endpoint pairs integrate may relate ("app:endpoint"), in a stable order. */
  readonly relations: readonly (readonly [string, string])[];
  readonly properties: readonly (readonly [string, FuzzProperty])[];
  readonly builtins: Required<FuzzBuiltins>;
  readonly steps: number;
  readonly maxHooks: number;
  /** The charms by application name, for scenarios (deploy's `charm` is the application name). */
  readonly catalog: CharmCatalog;
}

/** Names of the built-in properties, as reports show them. */
export const BUILTIN_PROPERTIES = {
  invariants: "juju.invariants",
  settles: "juju.settles",
  noHookRaised: "charm.no-hook-raised",
} as const;

export const MAX_UNITS = 20;
const DEFAULT_UNITS: readonly [number, number] = [1, 3];

const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === "function";

const unitsSchema = z.custom<readonly [number, number]>(
  (v) =>
    Array.isArray(v) &&
    v.length === 2 &&
    v.every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_UNITS) &&
    v[0] <= v[1] &&
    v[1] >= 1,
  {
    error: (issue) =>
      `expected a range [min, max] of whole numbers with 0 <= min <= max, 1 <= max <= ${MAX_UNITS}; got ${JSON.stringify(issue.input)}`,
  },
);

const configValueSchema = z.union([z.string(), z.number(), z.boolean()]);

const applicationSchema = z.strictObject({
  charm: z.custom<CharmClass>(isFunction, {
    error: "expected a charm class (a subclass of CharmBase)",
  }),
  meta: z.unknown().optional(),
  config: z.unknown().optional(),
  actions: z.unknown().optional(),
  spec: z.unknown().optional(),
  units: unitsSchema.optional(),
  trusted: z.boolean().optional(),
  configValues: z
    .record(
      z.string(),
      z.union([
        z.array(configValueSchema).min(1, "give at least one value"),
        z.custom<fc.Arbitrary<ConfigValue>>(
          (v) => typeof v === "object" && v !== null && isFunction(Reflect.get(v, "generate")),
          { error: "expected a list of values or a fast-check arbitrary" },
        ),
      ]),
    )
    .optional(),
  environment: z
    .custom<() => CharmEnvironment>(isFunction, { error: "expected a function" })
    .optional(),
});

const endpointRef = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:[a-z][a-z0-9_-]*$/, 'expected "application:endpoint"');

const configSchema = z.strictObject({
  name: z.string().min(1, "give the campaign a name"),
  applications: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]*$/, "application names are lowercase letters, digits and -"),
      applicationSchema,
    )
    .refine((apps) => Object.keys(apps).length > 0, "declare at least one application"),
  relations: z.array(z.tuple([endpointRef, endpointRef])).optional(),
  properties: z
    .record(
      z.string().min(1, "a property needs a name"),
      z.custom<FuzzProperty>(isFunction, {
        error: "a property is a function (run) => null when it holds, else a message",
      }),
    )
    .optional(),
  builtins: z
    .strictObject({
      invariants: z.boolean().optional(),
      settles: z.boolean().optional(),
      noHookRaised: z.boolean().optional(),
    })
    .optional(),
  steps: z.number().int().min(0).max(200).optional(),
  maxHooks: z.number().int().positive().optional(),
});

/** The charm spec of one application, or the issues that stop it from loading. */
function applicationSpec(
  name: string,
  app: z.output<typeof applicationSchema>,
): { spec: CharmSpec } | { issues: InputIssue[] } {
  const at = `applications.${name}`;
  if (isPythonCharm(app.charm)) {
    // A Python charm brings its metadata from its directory (charmcraft.yaml or metadata.yaml).
    const extra = (["meta", "config", "actions", "spec"] as const).filter(
      (k) => app[k] !== undefined,
    );
    if (extra.length > 0) {
      return {
        issues: [
          {
            path: `${at}.${extra[0]}`,
            message: `${app.charm.name} reads its metadata from ${app.charm[PYTHON_CHARM].dir}; leave out ${extra.join("/")}`,
          },
        ],
      };
    }
    return { spec: app.charm.spec };
  }
  if (app.spec !== undefined) {
    const extra = (["meta", "config", "actions"] as const).filter((k) => app[k] !== undefined);
    if (extra.length > 0) {
      return {
        issues: [{ path: at, message: `give either spec or ${extra.join("/")}, not both` }],
      };
    }
    const s = app.spec as Partial<CharmSpec> | null;
    if (typeof s !== "object" || s === null || !s.meta || !s.actions || !s.config) {
      return {
        issues: [
          { path: `${at}.spec`, message: "expected a loaded spec, e.g. loadCharmSpec(dir)" },
        ],
      };
    }
    return { spec: s as CharmSpec };
  }
  if (app.meta === undefined) {
    return { issues: [{ path: `${at}.meta`, message: "give the charm's metadata (or spec)" }] };
  }
  try {
    return {
      spec: charmSpec({
        meta: app.meta as CharmMetaInput,
        ...(app.actions !== undefined ? { actions: app.actions as ActionsMetaInput } : {}),
        ...(app.config !== undefined ? { config: app.config as ConfigMetaInput } : {}),
      }),
    };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const part = e.what.startsWith("actions")
      ? "actions"
      : e.what.startsWith("config")
        ? "config"
        : "meta";
    return {
      issues: e.issues.map((i) => ({
        path: i.path === "(root)" ? `${at}.${part}` : `${at}.${part}.${i.path}`,
        message: i.message,
      })),
    };
  }
}

interface EndpointInfo {
  readonly app: string;
  readonly endpoint: string;
  readonly role: EndpointRole;
  readonly interfaceName: string;
}

function endpointsOf(app: ResolvedApplication): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (const role of ["provides", "requires", "peers"] as const) {
    for (const [endpoint, ep] of Object.entries(app.spec.meta[role])) {
      out.push({ app: app.name, endpoint, role, interfaceName: ep.interface });
    }
  }
  return out;
}

/** Every provides/requires pair of two applications with the same interface, provider first. */
function defaultRelations(apps: readonly ResolvedApplication[]): [string, string][] {
  const all = apps.flatMap(endpointsOf);
  const out: [string, string][] = [];
  for (const p of all) {
    if (p.role !== "provides") continue;
    for (const r of all) {
      if (r.role === "requires" && r.app !== p.app && r.interfaceName === p.interfaceName)
        out.push([`${p.app}:${p.endpoint}`, `${r.app}:${r.endpoint}`]);
    }
  }
  return out;
}

/** Why a declared relation cannot be integrated, per end and for the pair; empty when it can. */
function relationIssues(
  pair: readonly [string, string],
  index: number,
  apps: ReadonlyMap<string, ResolvedApplication>,
): InputIssue[] {
  const issues: InputIssue[] = [];
  const ends: EndpointInfo[] = [];
  pair.forEach((ref, side) => {
    const [appName, endpoint] = ref.split(":") as [string, string];
    const path = `relations[${index}][${side}]`;
    const app = apps.get(appName);
    if (!app) {
      issues.push({
        path,
        message: `unknown application "${appName}" in "${ref}"; applications: ${[...apps.keys()].join(", ")}`,
      });
      return;
    }
    const found = findEndpoint(app.spec.meta, endpoint);
    const declared = endpointsOf(app)
      .filter((e) => e.role !== "peers")
      .map((e) => e.endpoint);
    if (!found) {
      issues.push({
        path,
        message: `unknown endpoint "${ref}"; ${appName}'s endpoints: ${declared.join(", ") || "none"}`,
      });
      return;
    }
    if (found.role === "peers") {
      issues.push({
        path,
        message: `"${ref}" is a peer endpoint: it comes with the application and is never integrated`,
      });
      return;
    }
    ends.push({ app: appName, endpoint, role: found.role, interfaceName: found.spec.interface });
  });
  const [a, b] = ends;
  if (!a || !b) return issues;
  const path = `relations[${index}]`;
  if (a.app === b.app) {
    issues.push({
      path,
      message: `both ends are on ${a.app}; only peers relate an application to itself`,
    });
  } else if (a.role === b.role) {
    issues.push({ path, message: `both ends ${a.role}; one must provide and the other require` });
  } else if (a.interfaceName !== b.interfaceName) {
    issues.push({
      path,
      message: `interfaces differ: ${pair[0]} is ${a.interfaceName}, ${pair[1]} is ${b.interfaceName}`,
    });
  }
  return issues;
}

function issuesOfConfigValues(app: ResolvedApplication, at: string): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const [key, values] of Object.entries(app.configValues ?? {})) {
    const option = app.spec.config.options[key];
    if (!option) {
      issues.push({
        path: `${at}.configValues.${key}`,
        message: `no config option "${key}"; options: ${Object.keys(app.spec.config.options).join(", ") || "none"}`,
      });
      continue;
    }
    if (Array.isArray(values)) {
      values.forEach((v, i) => {
        if (!configValueMatches(option.type, v))
          issues.push({
            path: `${at}.configValues.${key}[${i}]`,
            message: `${JSON.stringify(v)} is not of type ${option.type}`,
          });
      });
    }
  }
  return issues;
}

const resolved = new WeakMap<object, ResolvedFuzzConfig>();

/**
 * Validates a fuzz config and works out what the fuzzer needs (metadata loaded, relations,
 * properties); throws InputError naming every bad field. Cached per config object.
 */
export function resolveFuzzConfig(config: FuzzConfig): ResolvedFuzzConfig {
  if (typeof config === "object" && config !== null) {
    const cached = resolved.get(config);
    if (cached) return cached;
  }
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) throw InputError.fromZod("fuzz config", parsed.error);
  const input = parsed.data;
  const issues: InputIssue[] = [];
  const apps = new Map<string, ResolvedApplication>();
  for (const [name, app] of Object.entries(input.applications)) {
    const spec = applicationSpec(name, app);
    if ("issues" in spec) {
      issues.push(...spec.issues);
      continue;
    }
    const resolvedApp: ResolvedApplication = {
      name,
      charm: app.charm,
      spec: spec.spec,
      units: app.units ?? DEFAULT_UNITS,
      trusted: app.trusted ?? false,
      configValues: app.configValues,
    };
    issues.push(...issuesOfConfigValues(resolvedApp, `applications.${name}`));
    apps.set(name, resolvedApp);
  }
  if (issues.length > 0) throw new InputError("fuzz config", issues);
  const relations = input.relations ?? defaultRelations([...apps.values()]);
  relations.forEach((pair, i) => {
    issues.push(...relationIssues(pair, i, apps));
  });
  const properties = Object.entries(input.properties ?? {});
  const builtinNames = new Set<string>(Object.values(BUILTIN_PROPERTIES));
  for (const [name] of properties) {
    if (builtinNames.has(name))
      issues.push({
        path: `properties.${name}`,
        message: "is the name of a built-in property; choose another",
      });
  }
  if (issues.length > 0) throw new InputError("fuzz config", issues);
  const catalog = new CharmCatalog(
    [...apps.values()].map((app): CatalogCharm => {
      const environment = input.applications[app.name]?.environment;
      return {
        name: app.name,
        description: `${app.spec.meta.name}, deployed as ${app.name}`,
        charm: app.charm,
        spec: app.spec,
        calls: {},
        ...(environment ? { environment } : {}),
      };
    }),
  );
  const out: ResolvedFuzzConfig = {
    name: input.name,
    applications: [...apps.values()],
    relations,
    properties,
    builtins: {
      invariants: input.builtins?.invariants ?? true,
      settles: input.builtins?.settles ?? true,
      noHookRaised: input.builtins?.noHookRaised ?? true,
    },
    steps: input.steps ?? 12,
    maxHooks: input.maxHooks ?? 20_000,
    catalog,
  };
  resolved.set(config, out);
  return out;
}

/**
 * Declares a fuzz config (the default export of `charmsim.config.ts`): checks it at once and
 * returns it unchanged, so a mistake shows where the config is written.
 */
export function defineFuzzConfig<const C extends FuzzConfig>(config: C): C {
  resolveFuzzConfig(config);
  return config;
}
