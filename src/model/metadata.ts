import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseWith } from "./errors.js";
import { readYamlFile } from "./yaml-file.js";

/** One relation endpoint as declared in metadata (`provides`, `requires` or `peers`). */
export const endpointSchema = z.looseObject({
  interface: z.string().min(1, "an endpoint needs an interface name"),
  limit: z.number().int().positive().optional(),
  scope: z.enum(["global", "container"]).optional(),
  optional: z.boolean().optional(),
  description: z.string().optional(),
});
export type EndpointMeta = z.output<typeof endpointSchema>;

const endpointsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_-]*$/, "endpoint names are lowercase letters, digits, - and _"),
  // Juju also accepts the short form `endpoint: interface-name`.
  z.union([
    endpointSchema,
    z
      .string()
      .min(1, "an endpoint needs an interface name")
      .transform((name): EndpointMeta => ({ interface: name })),
  ]),
);

const charmMetaShape = z.looseObject({
  name: z.string().min(1),
  summary: z.string().optional(),
  description: z.string().optional(),
  subordinate: z.boolean().default(false),
  provides: endpointsSchema.default({}),
  requires: endpointsSchema.default({}),
  peers: endpointsSchema.default({}),
});

type EndpointsOf = {
  subordinate: boolean;
  provides: Record<string, EndpointMeta>;
  requires: Record<string, EndpointMeta>;
  peers: Record<string, EndpointMeta>;
};

/** Juju's cross-field metadata rules: unique endpoint names; a subordinate needs a container endpoint. */
function checkEndpointRules(meta: EndpointsOf, ctx: z.RefinementCtx): void {
  const seen = new Map<string, EndpointRole>();
  for (const role of ["provides", "requires", "peers"] as const) {
    for (const name of Object.keys(meta[role])) {
      const other = seen.get(name);
      if (other) {
        ctx.addIssue({
          code: "custom",
          path: [role, name],
          message: `endpoint "${name}" is declared in both ${other} and ${role}; rename one of them`,
        });
      }
      seen.set(name, role);
    }
  }
  if (
    meta.subordinate &&
    !Object.values(meta.requires).some((endpoint) => endpoint.scope === "container")
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["subordinate"],
      message:
        'a subordinate charm needs a "requires" endpoint with scope: container; add one or set subordinate: false',
    });
  }
}

/** Charm metadata (the relevant subset of metadata.yaml / charmcraft.yaml). */
export const charmMetaSchema = charmMetaShape.superRefine(checkEndpointRules);
export type CharmMeta = z.output<typeof charmMetaSchema>;
export type CharmMetaInput = z.input<typeof charmMetaSchema>;

const actionParamSchema = z.looseObject({
  type: z.enum(["string", "integer", "number", "boolean", "array", "object"]).optional(),
  description: z.string().optional(),
  default: z.unknown().optional(),
});
export const actionMetaSchema = z.looseObject({
  description: z.string().optional(),
  params: z.record(z.string(), actionParamSchema).default({}),
  required: z.array(z.string()).default([]),
  additionalProperties: z.boolean().optional(),
});
export const actionsMetaSchema = z.record(
  z
    .string()
    .regex(
      /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/,
      "action names are lowercase letters, digits and hyphens, starting with a letter",
    ),
  actionMetaSchema,
);
export type ActionsMeta = z.output<typeof actionsMetaSchema>;
export type ActionsMetaInput = z.input<typeof actionsMetaSchema>;

export type ConfigValue = string | number | boolean;
const configOptionSchema = z
  .looseObject({
    type: z.enum(["string", "int", "float", "boolean", "secret"]),
    description: z.string().optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .superRefine((opt, ctx) => {
    if (opt.default !== undefined && !configValueMatches(opt.type, opt.default)) {
      ctx.addIssue({
        code: "custom",
        path: ["default"],
        message: `default ${JSON.stringify(opt.default)} is not of type ${opt.type}`,
      });
    }
  });
export const configMetaSchema = z.looseObject({
  options: z.record(z.string(), configOptionSchema).default({}),
});
export type ConfigMeta = z.output<typeof configMetaSchema>;
export type ConfigMetaInput = z.input<typeof configMetaSchema>;
export type ConfigOptionType = ConfigMeta["options"][string]["type"];

/** Whether a config value has the declared option type (Juju's rules: int is a whole number). */
export function configValueMatches(type: ConfigOptionType, value: unknown): boolean {
  switch (type) {
    case "string":
    case "secret":
      return typeof value === "string";
    case "int":
      return typeof value === "number" && Number.isInteger(value);
    case "float":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
  }
}

export type EndpointRole = "provides" | "requires" | "peers";

/** A charm's full static description: metadata, actions and config, all validated. */
export interface CharmSpec {
  readonly meta: CharmMeta;
  readonly actions: ActionsMeta;
  readonly config: ConfigMeta;
}

export interface CharmSpecInput {
  meta: CharmMetaInput;
  actions?: ActionsMetaInput;
  config?: ConfigMetaInput;
}

/** Validates charm metadata objects; throws InputError naming the field on bad input. */
export function charmSpec(input: CharmSpecInput): CharmSpec {
  const meta = parseWith(charmMetaSchema, input.meta, "charm metadata");
  const actions = parseWith(actionsMetaSchema, input.actions ?? {}, "actions metadata");
  const config = parseWith(configMetaSchema, input.config ?? {}, "config metadata");
  return Object.freeze({ meta, actions, config });
}

/** Finds an endpoint in metadata, with its role. */
export function findEndpoint(
  meta: CharmMeta,
  endpoint: string,
): { role: EndpointRole; spec: EndpointMeta } | undefined {
  for (const role of ["provides", "requires", "peers"] as const) {
    const spec = meta[role][endpoint];
    if (spec) return { role, spec };
  }
  return undefined;
}

/** Config values with declared defaults applied (options without a default are absent). */
export function configWithDefaults(
  config: ConfigMeta,
  values: Readonly<Record<string, ConfigValue>>,
): Readonly<Record<string, ConfigValue>> {
  const out: Record<string, ConfigValue> = {};
  for (const [key, opt] of Object.entries(config.options)) {
    if (opt.default !== undefined) out[key] = opt.default;
  }
  return Object.freeze(Object.assign(out, values));
}

const charmcraftSchema = charmMetaShape
  .extend({
    actions: actionsMetaSchema.optional(),
    config: configMetaSchema.optional(),
  })
  .superRefine(checkEndpointRules);

/**
 * Loads a charm's metadata from a directory holding either a `charmcraft.yaml` with the metadata
 * in it, or `metadata.yaml` (+ optional `actions.yaml`, `config.yaml`). Errors name file, field
 * and line.
 */
export function loadCharmSpec(dir: string): CharmSpec {
  const metadataYaml = join(dir, "metadata.yaml");
  const charmcraftYaml = join(dir, "charmcraft.yaml");
  if (existsSync(metadataYaml)) {
    const meta = readYamlFile(metadataYaml, charmMetaSchema);
    const actionsPath = join(dir, "actions.yaml");
    const configPath = join(dir, "config.yaml");
    const actions = existsSync(actionsPath) ? readYamlFile(actionsPath, actionsMetaSchema) : {};
    const config = existsSync(configPath)
      ? readYamlFile(configPath, configMetaSchema)
      : { options: {} };
    return charmSpec({ meta, actions, config });
  }
  if (existsSync(charmcraftYaml)) {
    const all = readYamlFile(charmcraftYaml, charmcraftSchema);
    const { actions, config, ...meta } = all;
    return charmSpec({ meta, actions: actions ?? {}, config: config ?? { options: {} } });
  }
  return parseWith(
    z.never({ error: `no metadata.yaml or charmcraft.yaml in ${dir}` }),
    dir,
    "charm directory",
  );
}
