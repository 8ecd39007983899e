/** `charmsim run <scenario>`: runs a scenario file and prints its trace. */
import { isSeq } from "yaml";
import { BUNDLED_CHARM_NAMES, isBundledCharm, loadCatalog } from "../fuzz/campaigns/bundled.js";
import type { CharmCatalog } from "../fuzz/catalog.js";
import { runScenario, ScenarioStepError } from "../fuzz/execute.js";
import { type ScenarioLimits, scenarioLimitIssue, stepCountIssue } from "../fuzz/limits.js";
import { describeOperation, type Scenario, scenarioSchema } from "../fuzz/operations.js";
import { checkInvariants, formatViolations } from "../harness/invariants.js";
import { traceToMermaid } from "../harness/mermaid.js";
import type { TraceRecord } from "../harness/trace.js";
import { InputError } from "../model/errors.js";
import { type ParsedYaml, parseYamlDocument, validateYaml } from "../model/yaml-file.js";
import { type CliIo, readText, UsageError } from "./common.js";

export interface RunOptions {
  readonly json: boolean;
  readonly mermaid: boolean;
  readonly limits: ScenarioLimits;
  /** The charms to deploy by name (a user's fuzz config); the bundled ones when absent. */
  readonly catalog?: CharmCatalog;
}

/** One trace record as a line of text. */
export function formatRecord(r: TraceRecord): string {
  switch (r.t) {
    case "op":
      return `${r.seq} op ${r.op} ${JSON.stringify(r.args)}`;
    case "leader":
      return `${r.seq} leader ${r.app} = ${r.unit ?? "none"}`;
    case "hook":
      return `${r.seq} ${r.unit} ${r.kind}${r.action ? ` ${r.action}` : ""}${r.rel !== undefined ? ` r${r.rel}` : ""}${r.remote ? ` remote=${r.remote}` : ""}${r.app ? ` app=${r.app}` : ""}${r.departing ? ` departing=${r.departing}` : ""}${r.leader ? " (leader)" : ""}${r.ok ? "" : ` FAILED: ${r.error}`}`;
    case "commit":
      return `${r.seq}   ${r.unit} wrote r${r.rel} ${r.owner}: ${JSON.stringify(r.set)}${r.del.length ? ` deleted ${r.del.join(",")}` : ""}`;
    case "event":
      return `${r.seq}   ${r.unit} ${r.reemitted ? "re-emitted" : "event"} ${r.kind} ${JSON.stringify(r.data)}`;
    case "log":
      return `${r.seq}   ${r.unit} ${r.level}${r.logger ? ` [${r.logger}]` : ""} ${r.message}`;
    case "status":
      return `${r.seq}   ${r.unit} ${r.target} status ${r.name}${r.message ? ` "${r.message}"` : ""}`;
    case "exec":
      return `${r.seq} ${r.unit} exec${r.ok ? "" : ` FAILED: ${r.error}`}`;
    case "resolve":
      return `${r.seq} ${r.unit} resolved${r.retry ? " (retry)" : ""}`;
    case "deliver":
      return `${r.seq}   ${r.unit} sees ${r.watcher}${r.rel !== undefined ? ` r${r.rel}` : ""}${r.events !== undefined ? ` (${r.events})` : ""}`;
  }
}

/** A `steps[3]`-style path as YAML path segments. */
const pathSegments = (path: string): (string | number)[] =>
  path.split(/[.[\]]/).flatMap((p) => (p === "" ? [] : [/^\d+$/.test(p) ? Number(p) : p]));

/**
 * Reads a scenario file: YAML, the step limit (checked on the document, before the steps are
 * validated one by one), schema, the other limits, and the charms it deploys. Every problem is an
 * InputError naming the field and its line; nothing has run when it is thrown.
 */
export function loadScenarioFile(
  file: string,
  limits: ScenarioLimits,
  catalog?: CharmCatalog,
): { scenario: Scenario; lineOf: ParsedYaml["lineOf"] } {
  const known = (name: string) => (catalog ? catalog.has(name) : isBundledCharm(name));
  const names = catalog ? catalog.names() : BUNDLED_CHARM_NAMES;
  const parsed = parseYamlDocument(readText(file), file);
  const { lineOf } = parsed;
  const at = (path: string) => {
    const line = lineOf(pathSegments(path));
    return line !== undefined ? { line } : {};
  };
  const steps = parsed.doc.get("steps", true);
  const tooMany = isSeq(steps) ? stepCountIssue(steps.items.length, limits) : null;
  if (tooMany) throw new InputError(file, [{ ...tooMany, ...at(tooMany.path) }]);
  const scenario = validateYaml(parsed, scenarioSchema);
  const over = scenarioLimitIssue(scenario, limits);
  if (over) throw new InputError(file, [{ ...over, ...at(over.path) }]);
  scenario.steps.forEach((s, i) => {
    if (s.op === "deploy" && !known(s.charm)) {
      throw new InputError(file, [
        {
          path: `steps[${i}].charm`,
          message: `unknown charm "${s.charm}"; known charms: ${names.join(", ")}`,
          ...at(`steps[${i}].charm`),
        },
      ]);
    }
  });
  return { scenario, lineOf };
}

export async function runScenarioFile(
  file: string,
  options: RunOptions,
  io: CliIo,
): Promise<number> {
  if (options.json && options.mermaid) {
    throw new UsageError("--json and --mermaid each print the whole trace; choose one");
  }
  const { scenario, lineOf } = loadScenarioFile(file, options.limits, options.catalog);
  const catalog =
    options.catalog ??
    (await loadCatalog(scenario.steps.flatMap((s) => (s.op === "deploy" ? [s.charm] : []))));
  let run: ReturnType<typeof runScenario>;
  try {
    run = runScenario(scenario, {
      catalog,
      strict: true,
      // A long settle says it is still working (stderr, so the trace on stdout stays clean).
      onSettleProgress: (step, hooks) =>
        io.err(`step ${step + 1} (settle): ${hooks} hooks so far\n`),
    });
  } catch (e) {
    if (!(e instanceof ScenarioStepError)) throw e;
    const line = lineOf(["steps", e.index]);
    throw new InputError(file, [
      { path: `steps[${e.index}]`, message: e.message, ...(line !== undefined ? { line } : {}) },
    ]);
  }
  const trace = run.sim.trace;
  if (options.json) io.out(trace.toJsonText());
  else if (options.mermaid) io.out(traceToMermaid(trace));
  else {
    io.out(`${trace.records.map(formatRecord).join("\n")}\n`);
    // What `call` steps returned is not part of the trace: show it after.
    for (const step of run.steps) {
      if (step.value === undefined) continue;
      io.out(
        `step ${step.index + 1} (${describeOperation(step.op)}) on ${step.unit}: ${JSON.stringify(step.value)}\n`,
      );
    }
  }
  const violations = checkInvariants(trace);
  const failed = run.steps.filter((s) => s.status === "failed");
  const errors = run.sim.unitsInError();
  io.err(
    `${scenario.name ?? file}: ${trace.hooks().length} hooks; invariants ${violations.length === 0 ? "hold" : "VIOLATED"}; ${errors.length} unit(s) in error; ${failed.length} failed step(s)\n`,
  );
  if (violations.length > 0) io.err(`${formatViolations(violations)}\n`);
  for (const f of failed) io.err(`step ${f.index + 1}: ${f.detail}\n`);
  return violations.length > 0 || failed.length > 0 || errors.length > 0 ? 1 : 0;
}
