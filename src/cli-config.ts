/**
 * The command line's `--config` paths: the cases of a user's fuzz config for `charmsim fuzz
 * --config`, `charmsim replay` of a finding of a user's config, and the charms of a config for
 * `charmsim run --config`. Bad input is an InputError (exit 2).
 */

import { readFileSync } from "node:fs";
import type { CliIo } from "./cli/common.js";
import { checkLimits, replayCase } from "./cli/replay.js";
import type { FuzzCase } from "./fuzz/campaign.js";
import type { CharmCatalog } from "./fuzz/catalog.js";
import type { ScenarioLimits } from "./fuzz/limits.js";
import { makeReplay, parseReplay } from "./fuzz/replay.js";
import type { Finding } from "./fuzz/report.js";
import { fuzzCases } from "./fuzz/user/fuzz.js";
import { fileDigest, loadFuzzConfigFile } from "./fuzz/user/load.js";
import { InputError } from "./model/errors.js";

/** The cases of a config, and how its findings record the config they came from. */
export async function configCases(
  file: string,
): Promise<{ cases: FuzzCase[]; recordConfig: (finding: Finding) => Finding }> {
  const loaded = await loadFuzzConfigFile(file);
  const config = { path: loaded.path, sha256: loaded.sha256 };
  return {
    cases: fuzzCases(loaded.config),
    recordConfig: (finding) => {
      const { format: _f, version: _v, digest: _d, ...record } = finding.replay;
      return { ...finding, replay: makeReplay({ ...record, config }) };
    },
  };
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
export async function replayWithConfig(
  file: string,
  limits: ScenarioLimits,
  io: CliIo,
): Promise<number | null> {
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
  checkLimits(file, rec, limits);
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
  return replayCase(rec, fuzzCase, io);
}

/** `charmsim run SCENARIO --config FILE`: the config's charms, by application name. */
export async function configCatalog(file: string): Promise<CharmCatalog> {
  return (await loadFuzzConfigFile(file)).resolved.catalog;
}
