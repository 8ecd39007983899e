import { z } from "zod";
import { Trace, traceSchema } from "../harness/trace.js";
import { InputError } from "../model/errors.js";
import { scenarioSchema } from "./operations.js";

/**
 * The replay format version. 2: runs with lagging unit agents (watcher deliveries in the
 * trace); a version 1 file was recorded with units that saw the model at once, and its run
 * cannot be reproduced any more.
 */
export const REPLAY_VERSION = 2;

/** A recorded counterexample: enough to re-run it exactly and compare the verdict and trace. */
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
  scenario: scenarioSchema,
  trace: traceSchema,
});
export type ReplayFile = z.output<typeof replaySchema>;

export function replayToJsonText(replay: ReplayFile): string {
  const { trace, ...rest } = replay;
  const head = JSON.stringify(rest, null, 2);
  const traceText = Trace.fromJSON(trace).toJsonText().trimEnd().replace(/\n/g, "\n  ");
  return `${head.slice(0, -2)},\n  "trace": ${traceText}\n}\n`;
}

export function parseReplay(text: string, source: string): ReplayFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(source, [{ path: "(json)", message: (e as Error).message }]);
  }
  if (
    typeof value === "object" &&
    value !== null &&
    (value as { format?: unknown }).format === "charmsim-replay" &&
    (value as { version?: unknown }).version === 1
  ) {
    throw new InputError(source, [
      {
        path: "version",
        message:
          "replay format 1 was recorded before unit agents had lagging views (charmsim 0.1); its run cannot be reproduced by this version: run the campaign again to record a new one",
      },
    ]);
  }
  const parsed = replaySchema.safeParse(value);
  if (!parsed.success) throw InputError.fromZod(source, parsed.error);
  return parsed.data;
}
