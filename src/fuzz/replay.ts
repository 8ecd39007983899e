import { createHash } from "node:crypto";
import { z } from "zod";
import { Trace, traceSchema } from "../harness/trace.js";
import { InputError } from "../model/errors.js";
import { scenarioSchema } from "./operations.js";

/**
 * The replay format version. 2: runs with lagging unit agents (watcher deliveries in the
 * trace), and a digest of the recorded fields; a version 1 file was recorded with units that
 * saw the model at once, and its run cannot be reproduced any more.
 */
export const REPLAY_VERSION = 2;

/**
 * A recorded counterexample: enough to re-run it exactly and compare the verdict and trace.
 * `digest` is a SHA-256 over every other recorded field, so a file edited after it was recorded
 * (its seed, path, config, scenario, verdict or trace) is told apart from a run that changed.
 */
export const replaySchema = z.strictObject({
  format: z.literal("charmsim-replay"),
  version: z.literal(REPLAY_VERSION),
  campaign: z.string(),
  property: z.string(),
  variant: z.string(),
  expect: z.enum(["hold", "quirk"]),
  quirk: z.string().optional(),
  seed: z.number().int(),
  path: z.string(),
  verdict: z.string(),
  /** A finding of a user's fuzz config: its path (from the working directory) and sha256. */
  config: z
    .strictObject({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
    .optional(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" and 64 hex digits'),
  scenario: scenarioSchema,
  trace: traceSchema,
});
export type ReplayFile = z.output<typeof replaySchema>;
/** A replay before its digest is computed. */
export type ReplayRecord = Omit<ReplayFile, "digest" | "format" | "version">;

/** JSON with object keys in sorted order, so equal values give equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The digest of a replay's recorded fields (everything but format, version and the digest). */
export function replayDigest(replay: ReplayRecord): string {
  const { campaign, property, variant, expect, quirk, seed, path, verdict, config, scenario } =
    replay;
  const { trace } = replay;
  const recorded = {
    campaign,
    property,
    variant,
    expect,
    quirk,
    seed,
    path,
    verdict,
    config,
    scenario,
  };
  const hash = createHash("sha256").update(canonicalJson({ ...recorded, trace }));
  return `sha256:${hash.digest("hex")}`;
}

/** A replay file's content, with its digest. */
export function makeReplay(record: ReplayRecord): ReplayFile {
  const { campaign, property, variant, expect, quirk, seed, path, verdict, config } = record;
  const { scenario, trace } = record;
  return {
    format: "charmsim-replay",
    version: REPLAY_VERSION,
    campaign,
    property,
    variant,
    expect,
    ...(quirk !== undefined ? { quirk } : {}),
    seed,
    path,
    verdict,
    ...(config !== undefined ? { config } : {}),
    digest: replayDigest(record),
    scenario,
    trace,
  };
}

export function replayToJsonText(replay: ReplayFile): string {
  const { trace, ...rest } = replay;
  const head = JSON.stringify(rest, null, 2);
  const traceText = Trace.fromJSON(trace).toJsonText().trimEnd().replace(/\n/g, "\n  ");
  return `${head.slice(0, -2)},\n  "trace": ${traceText}\n}\n`;
}

/**
 * Reads a replay file: its JSON, its form, and its digest. Throws an InputError naming the field
 * for a malformed file, and for one whose digest does not match (edited after it was recorded).
 */
export function parseReplay(text: string, source: string): ReplayFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(source, [{ path: "(json)", message: (e as Error).message }]);
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (
    (value as { format?: unknown } | null)?.format === "charmsim-replay" &&
    typeof version === "number" &&
    version < REPLAY_VERSION
  ) {
    throw new InputError(source, [
      {
        path: "version",
        message: `replay format ${version} was recorded before unit agents had lagging views (charmsim 0.1); its run cannot be reproduced by this version: run the campaign again to record a new one`,
      },
    ]);
  }
  const parsed = replaySchema.safeParse(value);
  if (!parsed.success) throw InputError.fromZod(source, parsed.error);
  const replay = parsed.data;
  if (replayDigest(replay) !== replay.digest) {
    throw new InputError(source, [
      {
        path: "digest",
        message:
          "the file does not match its recorded run (its seed, path, scenario, verdict or trace was changed after it was recorded)",
      },
    ]);
  }
  return replay;
}
