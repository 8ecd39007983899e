/**
 * The charmsim command line: fuzz, replay, run and merge. This module loads only commander and
 * the light helpers; each command imports what it needs when it runs, so `charmsim --help` starts
 * fast and `charmsim run` does not load the fuzz campaigns.
 *
 * Exit codes: 0 every expected property held (or the scenario ran clean); 1 a property expected
 * to hold failed (or the scenario broke an invariant, failed a step or left a unit in error);
 * 2 bad input (one line on stderr, nothing written); 3 charmsim itself failed.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  type CliIo,
  commandLine,
  DEFAULT_RUNS,
  packageVersion,
  type Shard,
  UsageError,
} from "./cli/common.js";
import type { FuzzOptions } from "./cli/fuzz.js";
import { CAMPAIGN_NAMES } from "./fuzz/campaigns/bundled.js";
import {
  DEFAULT_SCENARIO_LIMITS,
  LIMIT_FLAGS,
  NO_SCENARIO_LIMITS,
  type ScenarioLimits,
} from "./fuzz/limits.js";
import { errorText, InputError } from "./model/errors.js";
import { escapeTerminal } from "./model/terminal.js";

export { type CliIo, caseSeed, DEFAULT_RUNS, shardRuns } from "./cli/common.js";

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
  progressStream: process.stderr,
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
function parseWorkers(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 256) {
    throw new InvalidArgumentError("workers is a whole number from 1 to 256");
  }
  return Number(v);
}
function parseShard(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count || count > 10_000) {
    throw new InvalidArgumentError('a shard is "i/n" with 1 <= i <= n, e.g. 2/4');
  }
  return { index, count };
}
function parseLimit(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1_000_000_000) {
    throw new InvalidArgumentError("a limit is a whole number from 1");
  }
  return Number(v);
}

interface LimitOptions {
  maxSteps: number;
  maxUnitsPerApp: number;
  maxUnits: number;
  limits: boolean;
}

/** The scenario-limit options (`run` and `replay` both read scenarios). */
function withLimits(command: Command): Command {
  return command
    .addOption(
      new Option(`${LIMIT_FLAGS.steps} <n>`, "most steps a scenario may have")
        .argParser(parseLimit)
        .default(DEFAULT_SCENARIO_LIMITS.steps),
    )
    .addOption(
      new Option(`${LIMIT_FLAGS.unitsPerApp} <n>`, "most units one application may get")
        .argParser(parseLimit)
        .default(DEFAULT_SCENARIO_LIMITS.unitsPerApp),
    )
    .addOption(
      new Option(`${LIMIT_FLAGS.units} <n>`, "most units the model may get")
        .argParser(parseLimit)
        .default(DEFAULT_SCENARIO_LIMITS.units),
    )
    .option("--no-limits", "lift the three limits above");
}

const limitsOf = (o: LimitOptions): ScenarioLimits =>
  o.limits
    ? { steps: o.maxSteps, unitsPerApp: o.maxUnitsPerApp, units: o.maxUnits }
    : NO_SCENARIO_LIMITS;

/** Everything printed goes through escapeTerminal: names from files cannot drive the terminal. */
function escapedIo(io: CliIo): CliIo {
  return {
    ...io,
    out: (t) => io.out(escapeTerminal(t)),
    err: (t) => io.err(escapeTerminal(t)),
  };
}

/** Runs the command line; resolves to the exit code (see the module comment). */
export async function main(argv: readonly string[], rawIo: CliIo = defaultIo): Promise<number> {
  const io = escapedIo(rawIo);
  const info = () => ({ version: packageVersion(), command: commandLine(argv) });
  let code = 0;
  const program = new Command()
    .name("charmsim")
    .description("Simulate Juju charms and fuzz their relation protocols")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: () => {} })
    .version(packageVersion(), "-V, --version", "print the charmsim version");
  program
    .command("fuzz")
    .description("run the fuzzing campaigns and write a report")
    .option("--seed <n>", "seed for every random choice", parseSeed, 1)
    .addOption(
      new Option("--runs <n>", "runs per case (some cases weigh more)")
        .argParser(parseRuns)
        .default(DEFAULT_RUNS),
    )
    .addOption(
      new Option(
        "--campaign <name>",
        `campaign to run (repeatable, or comma-separated): ${CAMPAIGN_NAMES.join(", ")}`,
      )
        .argParser((v: string, acc: string[]) => [...acc, ...v.split(",")])
        .default([], "all"),
    )
    .option("--out <dir>", "report directory", "charmsim-report")
    .addOption(
      new Option("--shard <i/n>", "run shard i of n (seeds split across shards)")
        .argParser(parseShard)
        .default({ index: 1, count: 1 }, "1/1"),
    )
    .addOption(
      new Option(
        "--workers <n>",
        "worker threads running the cases (the report does not depend on it)",
      )
        .argParser(parseWorkers)
        .default(undefined, "one per core"),
    )
    .option("--json", "print the report as JSON", false)
    .option("--config <file>", "fuzz your own charms: a charmsim.config.ts (.js, .mjs) module")
    .action(async (opts: FuzzOptions) => {
      const { fuzz } = await import("./cli/fuzz.js");
      code = await fuzz(opts, info(), io);
    });
  withLimits(
    program
      .command("replay")
      .description("re-run a recorded counterexample and print its verdict")
      .argument("<file>", "replay file written by fuzz"),
  ).action(async (file: string, opts: LimitOptions) => {
    const { replayWithConfig } = await import("./cli-config.js");
    const withConfig = await replayWithConfig(file, limitsOf(opts), io);
    if (withConfig !== null) code = withConfig;
    else {
      const { replay } = await import("./cli/replay.js");
      code = await replay(file, limitsOf(opts), io);
    }
  });
  withLimits(
    program
      .command("run")
      .description("run a scenario file and print its trace")
      .argument("<scenario>", "scenario YAML file")
      .option("--json", "print the trace as JSON", false)
      .option("--mermaid", "print the trace as a Mermaid sequence diagram", false)
      .option("--config <file>", "deploy the charms of a fuzz config (by application name)"),
  ).action(
    async (
      file: string,
      opts: LimitOptions & { json: boolean; mermaid: boolean; config?: string },
    ) => {
      const { runScenarioFile } = await import("./cli/run.js");
      const catalog = opts.config
        ? await (await import("./cli-config.js")).configCatalog(opts.config)
        : undefined;
      code = await runScenarioFile(
        file,
        { ...opts, limits: limitsOf(opts), ...(catalog ? { catalog } : {}) },
        io,
      );
    },
  );
  program
    .command("merge")
    .description("merge the report.json of every shard of a fuzz run into one report")
    .argument("<out>", "report directory to write (not one of the inputs)")
    .argument("<reports...>", "report.json files (or their directories), one per shard")
    .action(async (out: string, reports: string[]) => {
      const { merge } = await import("./cli/fuzz.js");
      code = await merge(out, reports, info(), io);
    });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      if (e.code === "commander.help") {
        // No command given: the usage goes to stderr, as a usage error.
        io.err(program.helpInformation());
        return 2;
      }
      io.err(`charmsim: ${e.message.replace(/^error: /, "")}\n`);
      return 2;
    }
    if (e instanceof UsageError || e instanceof InputError) {
      io.err(`charmsim: ${e.message.split("\n")[0]}\n`);
      return 2;
    }
    io.err(`charmsim: internal error: ${errorText(e).split("\n")[0]}\n`);
    if (process.env.CHARMSIM_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    else io.err("charmsim: set CHARMSIM_DEBUG=1 to see where; please report it\n");
    return 3;
  }
}
