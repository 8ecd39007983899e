/**
 * The Relation and State constructors take well-formed input apart by hand instead of running
 * their schemas (relationFieldsFast, stateFieldsFast). Held to the schemas on generated input,
 * well-formed and not: whenever a fast path answers, the schema accepts the same input and
 * gives an equal result; on well-formed input the fast path does answer (or it would be dead
 * code); on anything else the schema decides, so errors still name the field.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/model/errors.js";
import {
  DeferredEvent,
  PeerRelation,
  Relation,
  relationFieldsFast,
  State,
  StoredState,
  stateFieldsFast,
  stateSchemas,
} from "../../src/model/state.js";
import { ActiveStatus } from "../../src/model/status.js";

const oddValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(""),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.boolean(),
  fc.string(),
  fc.constant([]),
  fc.constant(Object.create(null) as object),
  fc.constant(new Map()),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2, noNullPrototype: true }),
);
const bagKey = fc.oneof(
  { arbitrary: fc.string(), weight: 20 },
  { arbitrary: fc.constant("__proto__"), weight: 1 },
  { arbitrary: fc.constant("0"), weight: 2 },
);
const goodBag = fc.dictionary(bagKey, fc.string(), { maxKeys: 3, noNullPrototype: true });
const anyBag = fc.oneof(
  goodBag,
  fc.dictionary(bagKey, oddValue, { maxKeys: 2, noNullPrototype: true }),
  oddValue,
);
const unitsData = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.dictionary(
      fc.oneof(fc.nat({ max: 20 }).map(String), fc.constant("01")),
      goodBag,
      { maxKeys: 3, noNullPrototype: true },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.oneof(fc.string(), fc.constant("1")), anyBag, {
      maxKeys: 2,
      noNullPrototype: true,
    }),
  },
  { weight: 1, arbitrary: oddValue },
);

/** An optional field: left out, or mostly the first (good) values, sometimes the others. */
const opt = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]) =>
  fc.option(
    fc.oneof(
      { arbitrary: good as fc.Arbitrary<unknown>, weight: 12 * Math.max(1, bad.length) },
      ...bad.map((arbitrary) => ({ arbitrary, weight: 1 })),
    ),
    { nil: undefined, freq: 3 },
  );

const relationInit = fc.record(
  {
    endpoint: fc.oneof(
      { arbitrary: fc.string({ minLength: 1 }), weight: 30 },
      { arbitrary: oddValue, weight: 1 },
    ),
    interface: opt(fc.string({ minLength: 1 }), oddValue),
    id: opt(fc.nat(), fc.integer({ min: -2, max: 2 }), oddValue),
    localAppData: opt(goodBag, anyBag),
    localUnitData: opt(goodBag, anyBag),
    remoteAppName: opt(fc.string({ minLength: 1 }), oddValue),
    limit: opt(fc.integer({ min: 1, max: 3 }), oddValue),
    remoteAppData: opt(goodBag, anyBag),
    remoteUnitsData: opt(unitsData),
    extra: fc.option(oddValue, { nil: undefined, freq: 30 }),
  },
  { requiredKeys: ["endpoint"], noNullPrototype: true },
);

/** Drops keys whose value is undefined and that were not generated, as a user would omit them. */
const compact = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined || k === "interface"));

/**
 * Runs `fast` and the schema on 3,000 generated inputs: wherever `fast` answers, the schema
 * accepts and gives an equal result. Returns how often `fast` answered (so a caller can check the
 * property was not vacuous).
 */
function holdToSchema(
  inputs: fc.Arbitrary<Record<string, unknown>>,
  fast: (init: unknown) => unknown,
  schema: { safeParse(input: unknown): { success: boolean; data?: unknown } },
): number {
  let answered = 0;
  fc.assert(
    fc.property(inputs, (raw) => {
      const init = compact(raw);
      const quick = fast(init);
      const slow = schema.safeParse(init);
      if (quick !== null) {
        answered += 1;
        expect(slow.success).toBe(true);
        expect(quick).toEqual(slow.data);
      }
    }),
    { numRuns: 3000 },
  );
  return answered;
}

describe("Relation's fast path answers as relationSchema does", () => {
  it("on generated input, good and bad", () => {
    // Not vacuous: the fast path answered for a good share of the inputs.
    expect(holdToSchema(relationInit, relationFieldsFast, stateSchemas.relation)).toBeGreaterThan(
      100,
    );
  });

  it("answers for well-formed input (it is the path tests take)", () => {
    const wellFormed = fc.record(
      {
        endpoint: fc.string({ minLength: 1 }),
        interface: fc.string({ minLength: 1 }),
        id: fc.nat(),
        localAppData: fc.dictionary(
          fc.string().filter((k) => k !== "__proto__"),
          fc.string(),
          { noNullPrototype: true },
        ),
        remoteAppName: fc.string({ minLength: 1 }),
        limit: fc.integer({ min: 1, max: 5 }),
        remoteUnitsData: fc.dictionary(fc.nat({ max: 9 }).map(String), fc.constant({}), {
          noNullPrototype: true,
        }),
      },
      { requiredKeys: ["endpoint"], noNullPrototype: true },
    );
    fc.assert(
      fc.property(wellFormed, (init) => {
        const fast = relationFieldsFast(init);
        expect(fast).not.toBeNull();
        expect(fast).toEqual(stateSchemas.relation.parse(init));
      }),
      { numRuns: 500 },
    );
  });

  it("leaves errors to the schema, which names the field; the input is not frozen", () => {
    const remoteAppData = { a: "1" };
    const rel = new Relation({ endpoint: "db", remoteAppData });
    expect(Object.isFrozen(rel.remoteAppData)).toBe(true);
    expect(Object.isFrozen(remoteAppData)).toBe(false);
    expect(
      () => new Relation({ endpoint: "db", remoteAppName: null as unknown as string }),
    ).toThrow(/remoteAppName/);
    expect(
      () => new Relation({ endpoint: "db", remoteAppData: { a: 1 as unknown as string } }),
    ).toThrow(InputError);
  });
});

const stateInit = fc.record(
  {
    leader: opt(fc.boolean(), oddValue),
    config: opt(
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean()), {
        maxKeys: 3,
        noNullPrototype: true,
      }),
      fc.dictionary(fc.string(), oddValue, { maxKeys: 2, noNullPrototype: true }),
      oddValue,
    ),
    relations: opt(
      fc.constant([new Relation({ endpoint: "db" }), new PeerRelation({ endpoint: "peers" })]),
      fc.constant([{ endpoint: "db" }]),
      oddValue,
    ),
    unitStatus: opt(fc.constant(new ActiveStatus("up")), oddValue),
    appStatus: opt(fc.constant(new ActiveStatus()), oddValue),
    workloadVersion: opt(fc.string(), oddValue),
    storedStates: opt(
      fc.constant([new StoredState({ name: "s", ownerPath: "C", content: { a: 1 } })]),
      fc.constant([{ name: "s" }]),
      oddValue,
    ),
    deferred: opt(
      fc.constant([new DeferredEvent({ handlePath: "C/on/start[1]", owner: "C", observer: "o" })]),
      oddValue,
    ),
    model: opt(
      fc.record(
        { name: fc.string(), uuid: fc.string() },
        { requiredKeys: [], noNullPrototype: true },
      ),
      fc.record(
        { name: fc.string({ minLength: 1 }), other: fc.string() },
        { noNullPrototype: true },
      ),
      oddValue,
    ),
    plannedUnits: opt(fc.nat({ max: 5 }), oddValue),
    trusted: opt(fc.boolean(), oddValue),
    credential: fc.option(fc.constant(null), { nil: undefined, freq: 5 }),
    extra: fc.option(oddValue, { nil: undefined, freq: 30 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);

describe("State's fast path answers as stateSchema does", () => {
  it("on generated input, good and bad", () => {
    // Not vacuous: the fast path answered for a good share of the inputs.
    expect(holdToSchema(stateInit, stateFieldsFast, stateSchemas.state)).toBeGreaterThan(100);
  });

  it("answers for what a test usually builds, and State keeps its errors", () => {
    const init = {
      leader: true,
      config: { a: 1, b: "x", c: false },
      relations: [new Relation({ endpoint: "db" })],
      unitStatus: new ActiveStatus(),
      model: { name: "m" },
      plannedUnits: 2,
    };
    const fast = stateFieldsFast(init);
    expect(fast).not.toBeNull();
    expect(fast).toEqual(stateSchemas.state.parse(init));
    expect(stateFieldsFast({})).toEqual(stateSchemas.state.parse({}));
    expect(() => new State({ leader: "yes" as unknown as boolean })).toThrow(/leader/);
    expect(() => new State({ plannedUnits: -1 })).toThrow(/plannedUnits/);
  });

  it("freezes its own copies, never the caller's objects, on either path", () => {
    for (const id of ["3", "03"]) {
      const bag = { k: "v" };
      const units = { [id]: bag };
      const rel = new Relation({ endpoint: "db", remoteUnitsData: units });
      expect(rel.remoteUnitsData).toEqual({ 3: { k: "v" } });
      expect(Object.isFrozen(rel.remoteUnitsData)).toBe(true);
      expect(Object.isFrozen(rel.remoteUnitsData[3])).toBe(true);
      expect([Object.isFrozen(units), Object.isFrozen(bag)]).toEqual([false, false]);
      const config = { a: 1 };
      const model = { name: "m" };
      const relations = [rel];
      const state = new State({ config, model, relations });
      expect(state.relations).toEqual([rel]);
      expect(state.relations).not.toBe(relations);
      expect([Object.isFrozen(state.config), Object.isFrozen(state.model)]).toEqual([true, true]);
      expect(Object.isFrozen(state.relations)).toBe(true);
      expect([config, model, relations].map(Object.isFrozen)).toEqual([false, false, false]);
      relations.push(rel);
      expect(state.relations).toHaveLength(1);
    }
  });

  it("takes any iterable of relations, as before the fast path", () => {
    const rel = new Relation({ endpoint: "db" });
    const state = new State({ relations: new Set([rel]) as unknown as Relation[] });
    expect(state.relations).toEqual([rel]);
  });
});
