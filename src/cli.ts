import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { type CaseResult, evaluate, type FuzzCase, runCase } from "./fuzz/campaign.js";
import { bundledCatalog, campaignNames, campaigns } from "./fuzz/campaigns/index.js";
import { runScenario, ScenarioStepError } from "./fuzz/execute.js";
import { scenarioSchema } from "./fuzz/operations.js";
import { parseReplay } from "./fuzz/replay.js";
import {
  type Finding,
  type FuzzReport,
  findingOf,
  formatTable,
  reportJson,
  writeReport,
} from "./fuzz/report.js";
import { checkInvariants, formatViolations } from "./harness/invariants.js";
import { traceToMermaid } from "./harness/mermaid.js";
import type { TraceRecord } from "./harness/trace.js";
import { InputError } from "./model/errors.js";
import { parseYaml } from "./model/yaml-file.js";

/** Bad command-line input: reported as one line, exit code 2, nothing written. */
class UsageError extends Error {}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 0xffff_ffff) {
    throw new InvalidArgumentError("a seed is a whole number from 0 to 4294967295");
  }
  return Number(v);
}
function parseRuns(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10_000_000) {
    throw new InvalidArgumentError("runs is a whole number from 1 to 10000000");
  }
  return Number(v);
}
function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError('a shard is "i/n" with 1 <= i <= n, e.g. 2/4');
  }
  return { index: index - 1, count };
}

/** Mixes the run seed with a case's name and the shard, so cases and shards explore different seeds. */
export function caseSeed(seed: number, name: string, shard: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of `${name}#${shard}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h & 0x7fff_ffff;
}

const caseName = (c: Pick<FuzzCase, "campaign" | "property" | "variant">) =>
  `${c.campaign}/${c.property}/${c.variant}`;

interface FuzzOptions {
  seed: number;
  runs?: number;
  campaign: string[];
  out: string;
  shard: { index: number; count: number };
  json: boolean;
}

function progressBar(done: number, total: number, label: string): string {
  const width = 24;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label}`
    .slice(0, 120)
    .padEnd(120);
}

function fuzz(options: FuzzOptions, io: CliIo): number {
  const selected = options.campaign.length > 0 ? options.campaign : campaignNames();
  for (const c of selected) {
    if (!(c in campaigns))
      throw new UsageError(`unknown campaign "${c}"; campaigns: ${campaignNames().join(", ")}`);
  }
  const cases = selected.flatMap((c) => campaigns[c]?.() ?? []);
  const results: CaseResult[] = [];
  const findings: Finding[] = [];
  const started = Date.now();
  cases.forEach((fuzzCase, i) => {
    const label = `${fuzzCase.campaign} ${fuzzCase.property} (${fuzzCase.variant})`;
    if (io.isTTY) io.err(progressBar(i, cases.length, label));
    const base = options.runs ?? 100;
    const runs = Math.max(1, Math.ceil((base * (fuzzCase.weight ?? 1)) / options.shard.count));
    const seed = caseSeed(options.seed, caseName(fuzzCase), options.shard.index);
    const result = runCase(fuzzCase, { seed, runs });
    results.push(result);
    const finding = findingOf(fuzzCase, result);
    if (finding) findings.push(finding);
    if (!io.isTTY)
      io.err(`[${i + 1}/${cases.length}] ${label}: ${result.verdict} after ${result.runs} runs\n`);
  });
  if (io.isTTY)
    io.err(
      `${progressBar(cases.length, cases.length, `done in ${((Date.now() - started) / 1000).toFixed(1)} s`)}\n`,
    );
  const report: FuzzReport = { seed: options.seed, shard: options.shard, results, findings };
  writeReport(options.out, report);
  if (options.json) io.out(reportJson(report));
  else {
    io.out(`${formatTable(report)}\n\nReport: ${options.out}/report.md (seed ${options.seed})\n`);
  }
  const failing = results.filter((r) => r.verdict === "fails");
  if (failing.length > 0) {
    io.err(
      `${failing.length} propert${failing.length === 1 ? "y" : "ies"} expected to hold failed\n`,
    );
    return 1;
  }
  return 0;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function replay(file: string, io: CliIo): number {
  const rec = parseReplay(readText(file), file);
  const fuzzCase = campaigns[rec.campaign]?.().find(
    (c) => c.property === rec.property && c.variant === rec.variant,
  );
  if (!fuzzCase) {
    throw new UsageError(
      `${file}: no case ${rec.campaign}/${rec.property}/${rec.variant} in this version of charmsim`,
    );
  }
  const { run, message } = evaluate(fuzzCase, rec.scenario);
  const same = JSON.stringify(run.sim.trace.toJSON()) === JSON.stringify(rec.trace);
  io.out(
    `${rec.campaign} ${rec.property} (${rec.variant}), seed ${rec.seed}, path ${rec.path || "-"}\n`,
  );
  io.out(
    message === null ? "verdict: property holds\n" : `verdict: property violated: ${message}\n`,
  );
  io.out(`recorded verdict: ${rec.verdict}\n`);
  io.out(`trace: ${same ? "identical to the recorded one" : "DIFFERS from the recorded one"}\n`);
  if (message === null || !same) return 1;
  return rec.expect === "hold" ? 1 : 0;
}

function formatRecord(r: TraceRecord): string {
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
      return `${r.seq}   ${r.unit} ${r.level} ${r.message}`;
    case "status":
      return `${r.seq}   ${r.unit} ${r.target} status ${r.name}${r.message ? ` "${r.message}"` : ""}`;
    case "exec":
      return `${r.seq} ${r.unit} exec${r.ok ? "" : ` FAILED: ${r.error}`}`;
    case "resolve":
      return `${r.seq} ${r.unit} resolved${r.retry ? " (retry)" : ""}`;
  }
}

function runScenarioFile(
  file: string,
  options: { json: boolean; mermaid: boolean },
  io: CliIo,
): number {
  const scenario = parseYaml(readText(file), scenarioSchema, file);
  const catalog = bundledCatalog();
  for (const s of scenario.steps) if (s.op === "deploy") catalog.get(s.charm);
  const run = runScenario(scenario, { catalog, strict: true });
  const trace = run.sim.trace;
  if (options.json) io.out(trace.toJsonText());
  else if (options.mermaid) io.out(traceToMermaid(trace));
  else io.out(`${trace.records.map(formatRecord).join("\n")}\n`);
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

/** Runs the command line; resolves to the exit code (0 ok, 1 property/scenario failure, 2 bad input). */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command()
    .name("charmsim")
    .description("Simulate Juju charms and fuzz their relation protocols")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: () => {} });
  program
    .command("fuzz")
    .description("run the fuzzing campaigns and write a report")
    .option("--seed <n>", "seed for every random choice", parseSeed, 1)
    .option("--runs <n>", "runs per case (default 100; some cases weigh more)", parseRuns)
    .option(
      "--campaign <name>",
      `campaign to run (repeatable): ${campaignNames().join(", ")}`,
      (v: string, acc: string[]) => [...acc, ...v.split(",")],
      [],
    )
    .option("--out <dir>", "report directory", "charmsim-report")
    .option("--shard <i/n>", "run shard i of n (seeds split across shards)", parseShard, {
      index: 0,
      count: 1,
    })
    .option("--json", "print the report as JSON", false)
    .action((opts: FuzzOptions) => {
      code = fuzz(opts, io);
    });
  program
    .command("replay")
    .description("re-run a recorded counterexample and print its verdict")
    .argument("<file>", "replay file written by fuzz")
    .action((file: string) => {
      code = replay(file, io);
    });
  program
    .command("run")
    .description("run a scenario file and print its trace")
    .argument("<scenario>", "scenario YAML file")
    .option("--json", "print the trace as JSON", false)
    .option("--mermaid", "print the trace as a Mermaid sequence diagram", false)
    .action((file: string, opts: { json: boolean; mermaid: boolean }) => {
      code = runScenarioFile(file, opts, io);
    });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      io.err(`charmsim: ${e.message.replace(/^error: /, "")}\n`);
      return 2;
    }
    if (e instanceof UsageError || e instanceof InputError || e instanceof ScenarioStepError) {
      io.err(`charmsim: ${e.message.split("\n")[0]}\n`);
      return 2;
    }
    throw e;
  }
}
