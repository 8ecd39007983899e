import { z } from "zod";

const appName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, "application names are lowercase letters, digits and -");
const endpointRef = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:[a-z][a-z0-9_-]*$/, 'expected "application:endpoint"');

/** A unit named directly ("app/1"), or by position among the application's current units. */
export const unitRefSchema = z.union([
  z.string().regex(/^[a-z][a-z0-9-]*\/\d+$/, 'expected a unit name like "app/0"'),
  z.strictObject({ app: appName, index: z.number().int().nonnegative() }),
  z.strictObject({ app: appName, leader: z.literal(true) }),
  z.strictObject({ app: appName, nonLeader: z.number().int().nonnegative() }),
]);
export type UnitRef = z.output<typeof unitRefSchema>;

const configValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/**
 * One step of a scenario: a Juju model operation, a charm call, a raw databag write (a peer
 * that ignores the protocol), or running hooks. Scenario files and fuzz cases share this form.
 */
export const operationSchema = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("deploy"),
    app: appName,
    charm: z.string().min(1),
    units: z.number().int().min(0).max(5000).default(1),
    config: configValues.default({}),
    trusted: z.boolean().default(false),
  }),
  z.strictObject({ op: z.literal("add-unit"), app: appName }),
  z.strictObject({ op: z.literal("remove-unit"), unit: unitRefSchema }),
  z.strictObject({ op: z.literal("integrate"), a: endpointRef, b: endpointRef }),
  z.strictObject({ op: z.literal("remove-relation"), a: endpointRef, b: endpointRef }),
  z.strictObject({ op: z.literal("set-leader"), unit: unitRefSchema }),
  z.strictObject({ op: z.literal("set-config"), app: appName, values: configValues }),
  z.strictObject({ op: z.literal("trust"), app: appName, trusted: z.boolean().default(true) }),
  z.strictObject({ op: z.literal("remove-application"), app: appName }),
  z.strictObject({
    op: z.literal("call"),
    unit: unitRefSchema,
    method: z.string().min(1),
    args: z.array(z.json()).default([]),
  }),
  z.strictObject({
    op: z.literal("write-bag"),
    unit: unitRefSchema,
    endpoint: z.string().min(1),
    scope: z.enum(["unit", "app"]),
    data: z.record(z.string(), z.string()),
  }),
  z.strictObject({
    op: z.literal("run-action"),
    unit: unitRefSchema,
    action: z.string().min(1),
    params: z.record(z.string(), z.json()).default({}),
  }),
  z.strictObject({
    op: z.literal("settle"),
    maxHooks: z.number().int().positive().default(100_000),
  }),
  z.strictObject({
    op: z.literal("step"),
    count: z.number().int().positive().max(100_000).default(1),
  }),
  z.strictObject({ op: z.literal("update-status") }),
]);
export type Operation = z.output<typeof operationSchema>;
export type OperationInput = z.input<typeof operationSchema>;

/** A hand-written or generated scenario: a seed, optional scheduler choices, and steps. */
export const scenarioSchema = z.strictObject({
  name: z.string().optional(),
  seed: z.number().int().min(0).max(0xffff_ffff).default(0),
  /** Scheduler choices; when given, they drive interleavings (as in fuzz cases) instead of the seed. */
  choices: z.array(z.number().int().nonnegative()).optional(),
  steps: z.array(operationSchema).min(1, "a scenario needs at least one step"),
});
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** One-line text for an operation, for reports. */
export function describeOperation(op: Operation): string {
  const unit = (u: UnitRef) =>
    typeof u === "string"
      ? u
      : "index" in u
        ? `${u.app}[${u.index}]`
        : "leader" in u
          ? `${u.app}[leader]`
          : `${u.app}[non-leader ${u.nonLeader}]`;
  switch (op.op) {
    case "deploy":
      return `deploy ${op.app} (${op.charm}) x${op.units}`;
    case "add-unit":
      return `add-unit ${op.app}`;
    case "remove-unit":
      return `remove-unit ${unit(op.unit)}`;
    case "integrate":
      return `integrate ${op.a} ${op.b}`;
    case "remove-relation":
      return `remove-relation ${op.a} ${op.b}`;
    case "set-leader":
      return `set-leader ${unit(op.unit)}`;
    case "set-config":
      return `set-config ${op.app} ${JSON.stringify(op.values)}`;
    case "trust":
      return `${op.trusted ? "trust" : "untrust"} ${op.app}`;
    case "remove-application":
      return `remove-application ${op.app}`;
    case "call":
      return `call ${unit(op.unit)} ${op.method}(${op.args.map((a) => JSON.stringify(a)).join(", ")})`;
    case "write-bag":
      return `write-bag ${unit(op.unit)} ${op.endpoint} ${op.scope} ${JSON.stringify(op.data).slice(0, 80)}`;
    case "run-action":
      return `run-action ${unit(op.unit)} ${op.action}${Object.keys(op.params).length > 0 ? ` ${JSON.stringify(op.params)}` : ""}`;
    case "settle":
      return "settle";
    case "step":
      return `step x${op.count}`;
    case "update-status":
      return "update-status";
  }
}
