import { expect } from "vitest";
import { UncaughtCharmError } from "../../src/harness/context.js";
import { CharmBase, type CharmClass } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import type { State } from "../../src/model/state.js";

/** Charm code run in the charm's constructor: observe events here. */
export type Setup = (charm: CharmBase, fw: Framework) => void;

/** A charm class whose constructor runs `setup`; counts constructions in `built`. */
export function charmClass(setup: Setup = () => {}): CharmClass & { built: number } {
  class TestCharm extends CharmBase {
    static built = 0;
    constructor(fw: Framework) {
      super(fw);
      TestCharm.built += 1;
      setup(this, fw);
    }
  }
  return TestCharm;
}

/** Runs `fn`, which must throw an UncaughtCharmError, and returns that error. */
export function charmError(fn: () => unknown): UncaughtCharmError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UncaughtCharmError);
    return e as UncaughtCharmError;
  }
  throw new Error("expected the charm to raise, but the run completed");
}

/** Asserts that the run failed because charm code raised `type` (message matching `message`). */
export function expectCharmRaised(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  message?: RegExp,
): void {
  const err = charmError(fn);
  expect(err.cause).toBeInstanceOf(type);
  if (message) expect((err.cause as Error).message).toMatch(message);
}

/** A plain, comparable rendering of a State (every field, every bag). */
export function plain(state: State): unknown {
  return JSON.parse(
    JSON.stringify({
      ...state,
      relations: state.relations.map((r) => ({ ...r })),
      storedStates: state.storedStates.map((s) => ({ ...s })),
      deferred: state.deferred.map((d) => ({ ...d })),
    }),
  );
}

/** True if `value` and everything reachable from it is frozen. */
export function deeplyFrozen(value: unknown, seen = new Set<unknown>()): boolean {
  if (value === null || typeof value !== "object" || seen.has(value)) return true;
  seen.add(value);
  if (!Object.isFrozen(value)) return false;
  return Object.values(value).every((v) => deeplyFrozen(v, seen));
}
