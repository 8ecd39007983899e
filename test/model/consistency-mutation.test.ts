/**
 * The consistency checker's edges that mutation testing found unguarded: every action-param
 * type both ways, `additionalProperties` in its three settings, unit names with several digits
 * and look-alike names, and the event rules still running when the State itself is clean.
 */
import { describe, expect, it } from "vitest";
import { Context } from "../../src/harness/context.js";
import {
  type ConsistencyInput,
  checkAction,
  checkConsistency,
  checkEventRelation,
  InconsistentScenarioError,
} from "../../src/model/consistency.js";
import type { ContextEvent } from "../../src/model/event.js";
import { type CharmSpecInput, charmSpec } from "../../src/model/metadata.js";
import { PeerRelation, Relation, State } from "../../src/model/state.js";
import { charmClass } from "../harness/helpers.js";

const specInput: CharmSpecInput = {
  meta: {
    name: "app",
    requires: { db: { interface: "db" } },
    peers: { cluster: { interface: "cluster" } },
  },
  actions: {
    typed: {
      params: {
        s: { type: "string" },
        i: { type: "integer" },
        n: { type: "number" },
        b: { type: "boolean" },
        a: { type: "array" },
        o: { type: "object" },
        any: { description: "no type: anything goes" },
      },
    },
    open: { params: { known: { type: "string" } } },
    permissive: { params: { known: { type: "string" } }, additionalProperties: true },
    closed: { params: { known: { type: "string" } }, additionalProperties: false },
    needs: {
      params: { target: { type: "string" }, level: { type: "integer", default: 1 } },
      required: ["target", "level"],
    },
    undeclared: { required: ["ghost"] },
  },
};
const spec = charmSpec(specInput);
const on = new Context(charmClass(), { spec }).on;

function input(state: State, event: ContextEvent, unitId = 0): ConsistencyInput {
  return { spec, state, event, unitId, appName: "app" };
}

/** The problems checkConsistency throws for the scenario ([] when it accepts it). */
function problemsOf(state: State, event: ContextEvent, unitId = 0): string[] {
  try {
    checkConsistency(input(state, event, unitId));
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(InconsistentScenarioError);
    return [...(error as InconsistentScenarioError).problems];
  }
}

describe("action param types", () => {
  const cases: [param: string, type: string, good: unknown[], bad: unknown[]][] = [
    ["s", "string", ["", "x"], [1, true, null, ["x"], { x: 1 }]],
    ["i", "integer", [0, -3, 2 ** 40], [1.5, "2", true, null, [1]]],
    ["n", "number", [0, 1.5, -2], ["1.5", true, null, [1], {}]],
    ["b", "boolean", [true, false], ["true", 0, 1, null, []]],
    ["a", "array", [[], [1, "x"]], [{}, "[]", null, 0]],
    ["o", "object", [{}, { k: [1] }], [[], null, "{}", 0, true]],
  ];

  it.each(cases)("%s (%s) accepts values of its type", (param, _type, good) => {
    for (const value of good) {
      const event = on.action("typed", { params: { [param]: value } });
      expect(checkAction(input(new State(), event)), JSON.stringify(value)).toEqual([]);
      expect(problemsOf(new State(), event)).toEqual([]);
    }
  });

  it.each(cases)("%s (%s) refuses values of other types", (param, type, _good, bad) => {
    for (const value of bad) {
      const event = on.action("typed", { params: { [param]: value } });
      const expected = [
        `action "typed" param "${param}" must be ${type}, got ${JSON.stringify(value)}; pass a ${type}`,
      ];
      expect(checkAction(input(new State(), event)), JSON.stringify(value)).toEqual(expected);
      expect(problemsOf(new State(), event)).toEqual(expected);
    }
  });

  it("a param without a type takes anything", () => {
    for (const value of ["x", 1, 1.5, true, null, [], {}]) {
      const event = on.action("typed", { params: { any: value } });
      expect(checkAction(input(new State(), event))).toEqual([]);
    }
  });

  it("each wrong param is reported once, in the order given", () => {
    const event = on.action("typed", { params: { b: 1, s: 2, o: [] } });
    expect(checkAction(input(new State(), event))).toEqual([
      'action "typed" param "b" must be boolean, got 1; pass a boolean',
      'action "typed" param "s" must be string, got 2; pass a string',
      'action "typed" param "o" must be object, got []; pass a object',
    ]);
  });
});

describe("undeclared action params", () => {
  it("are accepted when additionalProperties is left out or true", () => {
    for (const name of ["open", "permissive"]) {
      const event = on.action(name, { params: { known: "k", extra: 1 } });
      expect(checkAction(input(new State(), event)), name).toEqual([]);
      expect(problemsOf(new State(), event)).toEqual([]);
    }
  });

  it("are refused, each by name, when additionalProperties is false; declared ones are still typed", () => {
    const event = on.action("closed", { params: { extra: 1, known: 2, more: "m" } });
    const expected = [
      'action "closed" has no param "extra"; remove it',
      'action "closed" param "known" must be string, got 2; pass a string',
      'action "closed" has no param "more"; remove it',
    ];
    expect(checkAction(input(new State(), event))).toEqual(expected);
    expect(problemsOf(new State(), event)).toEqual(expected);
  });
});

describe("required action params", () => {
  it("a required param is satisfied by a value, or by its default", () => {
    const given = on.action("needs", { params: { target: "t", level: 2 } });
    expect(checkAction(input(new State(), given))).toEqual([]);
    const defaulted = on.action("needs", { params: { target: "t" } });
    expect(checkAction(input(new State(), defaulted))).toEqual([]);
  });

  it("only the missing ones without a default are named", () => {
    const event = on.action("needs", { params: { level: 2 } });
    const expected = ['action "needs" requires param "target"; pass it in params'];
    expect(checkAction(input(new State(), event))).toEqual(expected);
    expect(problemsOf(new State(), event)).toEqual(expected);
  });

  it("a required param that is not declared among the params is still required", () => {
    const event = on.action("undeclared", { params: {} });
    expect(checkAction(input(new State(), event))).toEqual([
      'action "undeclared" requires param "ghost"; pass it in params',
    ]);
    const given = on.action("undeclared", { params: { ghost: 1 } });
    expect(checkAction(input(new State(), given))).toEqual([]);
  });

  it("a non-action event is not checked against actions", () => {
    expect(checkAction(input(new State(), on.install()))).toEqual([]);
  });
});

describe("unit names with several digits", () => {
  const rel = new Relation({
    endpoint: "db",
    remoteAppName: "database",
    remoteUnitsData: { 10: {}, 2: {} },
  });
  const state = new State({ relations: [rel] });

  it("accepts a departing remote unit or this unit, named with two digits", () => {
    for (const [departingUnit, unitId] of [
      ["database/10", 0],
      ["database/2", 0],
      ["app/10", 10],
      ["app/0", 0],
    ] as const) {
      const event = on.relationDeparted(rel, { remoteUnit: 2, departingUnit });
      expect(checkEventRelation(input(state, event, unitId)), departingUnit).toEqual([]);
      expect(problemsOf(state, event, unitId)).toEqual([]);
    }
  });

  it("refuses names that only look like a related unit", () => {
    for (const departingUnit of [
      "database/1", // a prefix of 10
      "database/0", // a suffix of 10
      "database/20",
      "database/10x",
      "xdatabase/10",
      "database/x10",
      "\ndatabase/10", // a name on a second line
      "database/10\n",
      "database//10",
      "database/",
      "database",
      "data/10",
      "app/1", // this unit is app/10
      "app/100",
    ]) {
      const event = on.relationDeparted(rel, { remoteUnit: 2, departingUnit });
      const expected = [
        `departing unit "${departingUnit}" is neither this unit nor a unit of relation db:${rel.id}; name one of them`,
      ];
      expect(checkEventRelation(input(state, event, 10)), departingUnit).toEqual(expected);
      expect(problemsOf(state, event, 10)).toEqual(expected);
    }
  });

  it("a departing unit of the peer relation is one of this application's units", () => {
    const peer = new PeerRelation({ endpoint: "cluster", peersData: { 11: {}, 3: {} } });
    const peers = new State({ relations: [peer] });
    for (const departingUnit of ["app/11", "app/3", "app/0"]) {
      const event = on.relationDeparted(peer, { remoteUnit: 11, departingUnit });
      expect(checkEventRelation(input(peers, event)), departingUnit).toEqual([]);
    }
    for (const departingUnit of ["app/1", "app/12", "other/11", "cluster/11"]) {
      const event = on.relationDeparted(peer, { remoteUnit: 11, departingUnit });
      expect(checkEventRelation(input(peers, event)), departingUnit).toHaveLength(1);
    }
  });

  it("remote unit numbers are matched whole: 10 is there, 1 is not", () => {
    expect(checkEventRelation(input(state, on.relationChanged(rel, { remoteUnit: 10 })))).toEqual(
      [],
    );
    expect(checkEventRelation(input(state, on.relationChanged(rel, { remoteUnit: 1 })))).toEqual([
      `remote unit 1 is not a remote unit of relation db:${rel.id} (remote units: 2, 10); add it to the relation's remote units data`,
    ]);
  });
});

describe("joined and departed with no remote unit in the relation", () => {
  it("naming a remote unit anyway gets one problem: that unit is not in the relation", () => {
    const empty = new Relation({ endpoint: "db", remoteUnitsData: {} });
    const state = new State({ relations: [empty] });
    for (const event of [
      on.relationJoined(empty, { remoteUnit: 3 }),
      on.relationDeparted(empty, { remoteUnit: 3 }),
    ]) {
      expect(checkEventRelation(input(state, event))).toEqual([
        `remote unit 3 is not a remote unit of relation db:${empty.id} (remote units: none); add it to the relation's remote units data`,
      ]);
    }
  });
});

describe("the refusal's message", () => {
  it("lists each problem on its own line", () => {
    const error = new InconsistentScenarioError(["one thing", "another"]);
    expect(error.message).toBe("inconsistent scenario:\n  - one thing\n  - another");
    expect(error.name).toBe("InconsistentScenarioError");
  });
});

describe("event rules on a clean State", () => {
  it("a State that passes is still checked against each new event", () => {
    const rel = new Relation({ endpoint: "db", remoteUnitsData: { 0: {} } });
    const state = new State({ relations: [rel] });
    expect(problemsOf(state, on.install())).toEqual([]);
    expect(problemsOf(state, on.relationChanged(rel, { remoteUnit: 0 }))).toEqual([]);
    expect(problemsOf(state, on.relationChanged(rel, { remoteUnit: 5 }))).toHaveLength(1);
    expect(problemsOf(state, on.leaderElected())).toHaveLength(1);
    expect(problemsOf(state, on.action("closed", { params: { x: 1 } }))).toHaveLength(1);
    expect(problemsOf(state, on.install())).toEqual([]);
  });

  it("the same State is judged per unit: unit 1 may not list itself as a peer", () => {
    const peer = new PeerRelation({ endpoint: "cluster", peersData: { 1: {} } });
    const state = new State({ relations: [peer] });
    expect(problemsOf(state, on.install(), 0)).toEqual([]);
    expect(problemsOf(state, on.install(), 1)).toEqual([
      `relation cluster:${peer.id}: peersData lists unit 1, which is the unit under test; remove it`,
    ]);
    expect(problemsOf(state, on.install(), 0)).toEqual([]);
  });

  it("the same State is judged per spec and per application", () => {
    const rel = new Relation({ endpoint: "db", remoteAppName: "other" });
    const state = new State({ relations: [rel] });
    const withoutDb = charmSpec({ meta: { name: "app", requires: {} } });
    const judge = (s: typeof spec, appName: string) => {
      try {
        checkConsistency({ spec: s, state, event: on.install(), unitId: 0, appName });
        return [];
      } catch (error) {
        return [...(error as InconsistentScenarioError).problems];
      }
    };
    expect(judge(spec, "app")).toEqual([]);
    expect(judge(withoutDb, "app")).toHaveLength(1);
    expect(judge(spec, "other")).toHaveLength(1);
    expect(judge(spec, "app")).toEqual([]);
  });

  it("State and event problems are reported together, the State's first", () => {
    const peer = new PeerRelation({ endpoint: "cluster", peersData: { 0: {} } });
    const state = new State({ relations: [peer], leader: false });
    expect(problemsOf(state, on.leaderElected())).toEqual([
      `relation cluster:${peer.id}: peersData lists unit 0, which is the unit under test; remove it`,
      "leader-elected runs only on the leader; set leader: true in the State",
    ]);
    // The cached State problems come back for another event on the same State.
    expect(problemsOf(state, on.install())).toHaveLength(1);
  });
});
