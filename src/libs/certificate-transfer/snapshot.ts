/** Restoring the libraries' deferred custom events from their snapshots (internal). */
import { z } from "zod";
import type { JsonObject } from "../../model/json.js";

/** The snapshot of an event that carries only its relation id (the "removed" events). */
export const relationIdSnapshot = z.object({ relation_id: z.number().int() });

/** Validates a deferred event's snapshot, or throws a TypeError naming the event and the field. */
export function restoreWith<T>(
  schema: z.ZodType<T>,
  snapshot: Readonly<JsonObject>,
  kind: string,
): T {
  const parsed = schema.safeParse(snapshot);
  if (!parsed.success) {
    throw new TypeError(`cannot restore a deferred ${kind}: ${parsed.error.message}`);
  }
  return parsed.data;
}
