import { readFileSync } from "node:fs";
import { type CliIo, caseSeed, DEFAULT_RUNS, shardRuns } from "./cli.js";
import { type CaseResult, evaluate, type FuzzCase, runCase } from "./fuzz/campaign.js";
import type { CharmCatalog } from "./fuzz/catalog.js";
import { parseReplay, type ReplayFile } from "./fuzz/replay.js";
import {
  type Finding,
  type FuzzReport,
  findingOf,
  formatTable,
  reportDirProblem,
  reportJson,
  writeReport,
} from "./fuzz/report.js";
import { fuzzCases } from "./fuzz/user/fuzz.js";
import { fileDigest, type LoadedFuzzConfig, loadFuzzConfigFile } from "./fuzz/user/load.js";
import { InputError } from "./model/errors.js";

/**
 * The command line's `--config` paths: `charmsim fuzz --config`, `charmsim replay` of a finding
 * of a user's config, `charmsim run --config`. Bad input is an InputError (exit 2).
 */

export interface ConfigFuzzOptions {
  readonly config: string;
  readonly seed: number;
  readonly runs?: number;
  readonly campaign: readonly string[];
  readonly out: string;
  readonly shard: { readonly index: number; readonly count: number };
  readonly json: boolean;
}

const caseName = (c: Pick<FuzzCase, "campaign" | "property" | "variant">) =>
  `${c.campaign}/${c.property}/${c.variant}`;

const usage = (option: string, message: string) =>
  new InputError("command line", [{ path: option, message }]);

/** A finding's replay file, recording the config it came from. */
function withConfig(finding: Finding, loaded: LoadedFuzzConfig): Finding {
  const { scenario, trace, ...head } = finding.replay;
  const replay: ReplayFile = {
    ...head,
    config: { path: loaded.path, sha256: loaded.sha256 },
    scenario,
    trace,
  };
  return { ...finding, replay };
}

/**
 * `charmsim fuzz --config FILE`: runs the config's properties (built-ins included) with the
 * usual seed, runs, shards, report, replays and diagrams. Exit 1 when a property fails, else 0.
 */
export async function fuzzWithConfig(options: ConfigFuzzOptions, io: CliIo): Promise<number> {
  if (options.campaign.length > 0)
    throw usage("--campaign", "--config runs the config's properties; leave out --campaign");
  const outProblem = reportDirProblem(options.out);
  if (outProblem !== null) throw usage("--out", outProblem);
  const loaded = await loadFuzzConfigFile(options.config);
  const cases = fuzzCases(loaded.config);
  const results: CaseResult[] = [];
  const findings: Finding[] = [];
  cases.forEach((fuzzCase, i) => {
    const runs = shardRuns(options.runs ?? DEFAULT_RUNS, options.shard);
    const seed = caseSeed(options.seed, caseName(fuzzCase), options.shard.index);
    const result = runCase(fuzzCase, { seed, runs });
    results.push(result);
    const finding = findingOf(fuzzCase, result);
    if (finding) findings.push(withConfig(finding, loaded));
    io.err(
      `[${i + 1}/${cases.length}] ${fuzzCase.campaign} ${fuzzCase.property}: ${result.verdict} after ${result.runs} runs\n`,
    );
  });
  const report: FuzzReport = { seed: options.seed, shard: options.shard, results, findings };
  writeReport(options.out, report);
  if (options.json) io.out(reportJson(report));
  else
    io.out(`${formatTable(report)}\n\nReport: ${options.out}/report.md (seed ${options.seed})\n`);
  const failing = results.filter((r) => r.verdict === "fails");
  if (failing.length > 0) {
    io.err(`${failing.length} propert${failing.length === 1 ? "y" : "ies"} failed\n`);
    return 1;
  }
  return 0;
}

/** Whether a replay file records a user's config (without validating the rest of it). */
function recordsConfig(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && "config" in value;
  } catch {
    return false;
  }
}

/**
 * `charmsim replay FILE` for a finding of a user's config: refuses a config that changed since
 * the finding was recorded, then re-runs it and compares verdict and trace. Resolves to null for
 * a replay file of a bundled campaign (the command line replays those itself).
 */
export async function replayWithConfig(file: string, io: CliIo): Promise<number | null> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  if (!recordsConfig(text)) return null;
  const rec = parseReplay(text, file);
  const recorded = rec.config;
  if (!recorded) return null;
  const now = fileDigest(recorded.path, `replay file ${file}`);
  if (now !== recorded.sha256) {
    throw new InputError(`replay file ${file}`, [
      {
        path: "config",
        message: `${recorded.path} changed since this finding was recorded (sha256 ${recorded.sha256.slice(0, 12)}, now ${now.slice(0, 12)}); run charmsim fuzz --config ${recorded.path} again for a fresh finding`,
      },
    ]);
  }
  const loaded = await loadFuzzConfigFile(recorded.path);
  const fuzzCase = fuzzCases(loaded.config).find(
    (c) => c.campaign === rec.campaign && c.property === rec.property && c.variant === rec.variant,
  );
  if (!fuzzCase) {
    throw new InputError(`replay file ${file}`, [
      {
        path: "property",
        message: `${recorded.path} has no property "${rec.property}" in campaign "${rec.campaign}"`,
      },
    ]);
  }
  const { run, message } = evaluate(fuzzCase, rec.scenario);
  const same = JSON.stringify(run.sim.trace.toJSON()) === JSON.stringify(rec.trace);
  io.out(
    `${rec.campaign} ${rec.property} (${recorded.path}), seed ${rec.seed}, path ${rec.path || "-"}\n`,
  );
  io.out(
    message === null ? "verdict: property holds\n" : `verdict: property violated: ${message}\n`,
  );
  const sameVerdict = message === rec.verdict;
  io.out(
    sameVerdict ? "recorded verdict: the same\n" : `recorded verdict: DIFFERENT: ${rec.verdict}\n`,
  );
  io.out(`trace: ${same ? "identical to the recorded one" : "DIFFERS from the recorded one"}\n`);
  // A user's properties are all expected to hold: a reproduced violation, or a finding that no
  // longer reproduces the same way, exits 1.
  return 1;
}

/** `charmsim run SCENARIO --config FILE`: the config's charms, by application name. */
export async function configCatalog(file: string): Promise<CharmCatalog> {
  return (await loadFuzzConfigFile(file)).resolved.catalog;
}
