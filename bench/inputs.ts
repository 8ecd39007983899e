/** Inputs the benchmarks build the way a user's test or a campaign does. */

/**
 * Certificate lists that differ from run to run: the `i`th is an ordered choice of three distinct
 * certificates of `pems` (26 fixture certificates give 15,600 such lists), so that no list, and no
 * JSON text of one, repeats within that many runs.
 */
export function coldCertificates(pems: readonly string[], i: number): string[] {
  const n = pems.length;
  const a = i % n;
  const b = (a + 1 + (Math.floor(i / n) % (n - 1))) % n;
  // c is the k-th certificate after b, counting cyclically and passing over a.
  const k = Math.floor(i / (n * (n - 1))) % (n - 2);
  const aAfterB = (a - b + n) % n;
  const offset = 1 + k >= aAfterB ? 2 + k : 1 + k;
  const c = (b + offset) % n;
  return [pems[a], pems[b], pems[c]] as string[];
}

/** The Relation and State classes of a charmsim build: `dist/`, or one loaded at run time. */
export interface FreshRunApi<R, S> {
  readonly Relation: new (init: {
    endpoint: string;
    interface: string;
    remoteAppData: Record<string, string>;
    remoteUnitsData: Record<number, Record<string, string>>;
  }) => R;
  readonly State: new (init: { leader: boolean; relations: R[] }) => S;
}

/** A Context of the v1 requirer charm, as far as a fresh run uses it (E: its event type). */
export interface RequirerContext<R, S, E> {
  readonly on: { relationChanged(relation: R, options: { remoteUnit: number }): E };
  run(event: E, state: S): unknown;
}

/**
 * One Context.run of the v1 requirer on relation-changed, built as a user's test builds it: a new
 * Relation (three remote units; the provider's application bag holds `certificates` as the JSON
 * text a provider writes, made anew) and a new State each run. Throws if the hook fails.
 * `context_run_fresh_us` and `context_run_cold_us` time it, and so does bench:compare.
 */
export function freshRequirerRun<R, S, E>(
  api: FreshRunApi<R, S>,
  ctx: RequirerContext<R, S, E>,
  certificates: readonly string[],
): void {
  const relation = new api.Relation({
    endpoint: "certificates",
    interface: "certificate_transfer",
    remoteAppData: { certificates: JSON.stringify(certificates), version: "1" },
    remoteUnitsData: { 0: {}, 1: {}, 2: {} },
  });
  const state = new api.State({ leader: true, relations: [relation] });
  ctx.run(ctx.on.relationChanged(relation, { remoteUnit: 0 }), state);
}
