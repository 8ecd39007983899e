import { describe, expect, it } from "vitest";
import { Context } from "../../src/harness/context.js";
import {
  type ConsistencyInput,
  checkAction,
  checkConfig,
  checkDuplicateRelationIds,
  checkEventRelation,
  checkLeadership,
  checkPeerUnits,
  checkRelationEndpoints,
  checkRelationKinds,
  checkRelationLimits,
  checkRemoteAppNames,
  checkStoredStates,
  consistencyRules,
  InconsistentScenarioError,
} from "../../src/model/consistency.js";
import type { ContextEvent } from "../../src/model/event.js";
import { type CharmSpecInput, charmSpec } from "../../src/model/metadata.js";
import {
  PeerRelation,
  Relation,
  State,
  StoredState,
  SubordinateRelation,
} from "../../src/model/state.js";
import { charmClass } from "../harness/helpers.js";

const specInput: CharmSpecInput = {
  meta: {
    name: "app",
    requires: {
      db: { interface: "db", limit: 1 },
      logs: { interface: "logging", scope: "container" },
    },
    provides: { website: { interface: "http" } },
    peers: { cluster: { interface: "cluster" } },
  },
  config: {
    options: {
      port: { type: "int", default: 80 },
      ratio: { type: "float" },
      name: { type: "string" },
      debug: { type: "boolean" },
    },
  },
  actions: {
    backup: {
      params: {
        target: { type: "string" },
        retries: { type: "integer", default: 3 },
        tags: { type: "array" },
      },
      required: ["target", "retries"],
    },
    strict: {
      params: { only: { type: "boolean" } },
      additionalProperties: false,
    },
  },
};
const spec = charmSpec(specInput);

const install: ContextEvent = { kind: "install" };

function input(state: State, event: ContextEvent = install): ConsistencyInput {
  return { spec, state, event, unitId: 0, appName: "app" };
}

const on = new Context(charmClass(), { spec }).on;

/** Runs the scenario through Context.run and returns the problems it was refused for. */
function refusal(state: State, event: ContextEvent = install): string[] {
  const Charm = charmClass();
  const ctx = new Context(Charm, { spec });
  try {
    ctx.run(event, state);
  } catch (e) {
    expect(e).toBeInstanceOf(InconsistentScenarioError);
    expect(Charm.built).toBe(0);
    return [...(e as InconsistentScenarioError).problems];
  }
  throw new Error("expected the scenario to be refused");
}

function accepted(state: State, event: ContextEvent = install): void {
  const Charm = charmClass();
  const ctx = new Context(Charm, { spec });
  ctx.run(event, state);
  expect(Charm.built).toBe(1);
}

describe("relation endpoints", () => {
  it("refuses a relation whose endpoint is not in metadata, listing the declared ones", () => {
    const rel = new Relation({ endpoint: "dbx" });
    const problems = checkRelationEndpoints(input(new State({ relations: [rel] })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/endpoint "dbx" is not in metadata/);
    expect(problems[0]).toMatch(/declared: website, db, logs, cluster/);
    expect(problems[0]).toMatch(/fix the endpoint name or add it to metadata/);
    expect(refusal(new State({ relations: [rel] }))).toEqual(problems);
  });

  it("refuses a relation whose interface differs from metadata's, naming the right one", () => {
    const rel = new Relation({ endpoint: "db", interface: "mysql" });
    const problems = checkRelationEndpoints(input(new State({ relations: [rel] })));
    expect(problems).toEqual([
      `relation db:${rel.id}: interface "mysql" differs from metadata's "db"; use "db"`,
    ]);
    expect(refusal(new State({ relations: [rel] }))).toEqual(problems);
  });

  it("accepts the declared interface, or none given", () => {
    const a = new Relation({ endpoint: "db", interface: "db" });
    const b = new Relation({ endpoint: "website" });
    expect(checkRelationEndpoints(input(new State({ relations: [a, b] })))).toEqual([]);
    accepted(new State({ relations: [a, b] }));
  });
});

describe("relation kinds", () => {
  it("refuses a peer endpoint given as a Relation", () => {
    const rel = new Relation({ endpoint: "cluster" });
    const problems = checkRelationKinds(input(new State({ relations: [rel] })));
    expect(problems).toEqual([
      `relation cluster:${rel.id}: "cluster" is a peer endpoint; use PeerRelation`,
    ]);
    expect(refusal(new State({ relations: [rel] }))).toEqual(problems);
  });

  it("refuses a regular endpoint given as a PeerRelation", () => {
    const rel = new PeerRelation({ endpoint: "db" });
    const problems = checkRelationKinds(input(new State({ relations: [rel] })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/"db" is a requires endpoint, not a peer one; use Relation/);
    expect(refusal(new State({ relations: [rel] }))).toContain(problems[0]);
  });

  it("refuses a SubordinateRelation on an endpoint without scope: container", () => {
    const rel = new SubordinateRelation({ endpoint: "website" });
    const problems = checkRelationKinds(input(new State({ relations: [rel] })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/SubordinateRelation needs an endpoint with scope: container/);
    expect(refusal(new State({ relations: [rel] }))).toEqual(problems);
  });

  it("refuses a Relation on a container-scoped endpoint", () => {
    const rel = new Relation({ endpoint: "logs" });
    const problems = checkRelationKinds(input(new State({ relations: [rel] })));
    expect(problems).toEqual([
      `relation logs:${rel.id}: "logs" has scope: container; use SubordinateRelation`,
    ]);
    expect(refusal(new State({ relations: [rel] }))).toEqual(problems);
  });

  it("accepts the right class for every endpoint kind", () => {
    const state = new State({
      relations: [
        new Relation({ endpoint: "db" }),
        new Relation({ endpoint: "website" }),
        new PeerRelation({ endpoint: "cluster", peersData: { 1: {} } }),
        new SubordinateRelation({ endpoint: "logs", remoteAppName: "principal" }),
      ],
    });
    expect(checkRelationKinds(input(state))).toEqual([]);
    accepted(state);
  });
});

describe("relation ids", () => {
  it("refuses two relations with the same id", () => {
    const a = new Relation({ endpoint: "website", id: 40 });
    const b = new Relation({ endpoint: "db", id: 40 });
    const problems = checkDuplicateRelationIds(input(new State({ relations: [a, b] })));
    expect(problems).toEqual([
      "relations website and db share id 40; give each relation its own id",
    ]);
    expect(refusal(new State({ relations: [a, b] }))).toEqual(problems);
  });

  it("accepts distinct ids", () => {
    const a = new Relation({ endpoint: "website", id: 41 });
    const b = new Relation({ endpoint: "db", id: 42 });
    expect(checkDuplicateRelationIds(input(new State({ relations: [a, b] })))).toEqual([]);
    accepted(new State({ relations: [a, b] }));
  });
});

describe("relation limits", () => {
  it("refuses two relations on an endpoint with limit: 1", () => {
    const a = new Relation({ endpoint: "db", remoteAppName: "one" });
    const b = new Relation({ endpoint: "db", remoteAppName: "two" });
    const problems = checkRelationLimits(input(new State({ relations: [a, b] })));
    expect(problems).toEqual([
      'endpoint "db" has limit 1 but the state holds 2 relations on it; remove 1',
    ]);
    expect(refusal(new State({ relations: [a, b] }))).toEqual(problems);
  });

  it("accepts one relation there, and several on an endpoint without a limit", () => {
    const state = new State({
      relations: [
        new Relation({ endpoint: "db" }),
        new Relation({ endpoint: "website", remoteAppName: "a" }),
        new Relation({ endpoint: "website", remoteAppName: "b" }),
      ],
    });
    expect(checkRelationLimits(input(state))).toEqual([]);
    accepted(state);
  });
});

describe("peer units", () => {
  it("refuses a peer relation that lists the unit under test", () => {
    const rel = new PeerRelation({ endpoint: "cluster", peersData: { 0: {}, 1: {} } });
    const problems = checkPeerUnits(input(new State({ relations: [rel] })));
    expect(problems).toEqual([
      `relation cluster:${rel.id}: peersData lists unit 0, which is the unit under test; remove it`,
    ]);
    expect(refusal(new State({ relations: [rel] }))).toEqual(problems);
  });

  it("accepts peers that are other units", () => {
    const rel = new PeerRelation({ endpoint: "cluster", peersData: { 1: {}, 2: {} } });
    expect(checkPeerUnits(input(new State({ relations: [rel] })))).toEqual([]);
    accepted(new State({ relations: [rel] }));
  });
});

describe("remote application names", () => {
  it("refuses a regular relation to this unit's own application", () => {
    const rel = new Relation({ endpoint: "website", remoteAppName: "app" });
    const problems = checkRemoteAppNames(input(new State({ relations: [rel] })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/own application.*use PeerRelation/);
    expect(refusal(new State({ relations: [rel] }))).toEqual(problems);
  });

  it("accepts another application's name", () => {
    const rel = new Relation({ endpoint: "website", remoteAppName: "proxy" });
    expect(checkRemoteAppNames(input(new State({ relations: [rel] })))).toEqual([]);
    accepted(new State({ relations: [rel] }));
  });
});

describe("config", () => {
  it("refuses a key that is not declared", () => {
    const state = new State({ config: { prot: 8080 } });
    const problems = checkConfig(input(state));
    expect(problems).toEqual([
      'config key "prot" is not declared in config metadata; remove it or declare it',
    ]);
    expect(refusal(state)).toEqual(problems);
  });

  it("refuses values of the wrong type, naming the type to use", () => {
    const state = new State({ config: { port: 80.5, ratio: "1", name: 3, debug: "yes" } });
    const problems = checkConfig(input(state));
    expect(problems).toEqual([
      'config key "port" is declared as int but has 80.5; give it a int value',
      'config key "ratio" is declared as float but has "1"; give it a float value',
      'config key "name" is declared as string but has 3; give it a string value',
      'config key "debug" is declared as boolean but has "yes"; give it a boolean value',
    ]);
    expect(refusal(state)).toEqual(problems);
  });

  it("accepts declared keys with values of their types", () => {
    const state = new State({ config: { port: 8080, ratio: 0.5, name: "x", debug: true } });
    expect(checkConfig(input(state))).toEqual([]);
    accepted(state);
  });
});

describe("actions", () => {
  it("refuses an action that is not declared", () => {
    const event = on.action("restore", { params: {} });
    const problems = checkAction(input(new State(), event));
    expect(problems).toEqual([
      'action "restore" is not declared (declared: backup, strict); fix the name or declare it in actions metadata',
    ]);
    expect(refusal(new State(), event)).toEqual(problems);
  });

  it("refuses a missing required param without a default", () => {
    const event = on.action("backup", { params: {} });
    const problems = checkAction(input(new State(), event));
    expect(problems).toEqual(['action "backup" requires param "target"; pass it in params']);
    expect(refusal(new State(), event)).toEqual(problems);
  });

  it("refuses params of the wrong type", () => {
    const event = on.action("backup", { params: { target: 1, retries: 1.5, tags: "a" } });
    const problems = checkAction(input(new State(), event));
    expect(problems).toEqual([
      'action "backup" param "target" must be string, got 1; pass a string',
      'action "backup" param "retries" must be integer, got 1.5; pass a integer',
      'action "backup" param "tags" must be array, got "a"; pass a array',
    ]);
    expect(refusal(new State(), event)).toEqual(problems);
  });

  it("refuses an undeclared param when additionalProperties is false", () => {
    const event = on.action("strict", { params: { only: true, extra: 1 } });
    const problems = checkAction(input(new State(), event));
    expect(problems).toEqual(['action "strict" has no param "extra"; remove it']);
    expect(refusal(new State(), event)).toEqual(problems);
  });

  it("accepts required params given or defaulted, of their types", () => {
    const event = on.action("backup", { params: { target: "s3", tags: ["a"] } });
    expect(checkAction(input(new State(), event))).toEqual([]);
    accepted(new State(), event);
    const strict = on.action("strict", { params: { only: false } });
    expect(checkAction(input(new State(), strict))).toEqual([]);
  });
});

describe("leadership", () => {
  it("refuses leader-elected on a non-leader", () => {
    const event = on.leaderElected();
    const problems = checkLeadership(input(new State({ leader: false }), event));
    expect(problems).toEqual([
      "leader-elected runs only on the leader; set leader: true in the State",
    ]);
    expect(refusal(new State({ leader: false }), event)).toEqual(problems);
  });

  it("accepts leader-elected on the leader, and other events on a non-leader", () => {
    expect(checkLeadership(input(new State({ leader: true }), on.leaderElected()))).toEqual([]);
    accepted(new State({ leader: true }), on.leaderElected());
    accepted(new State({ leader: false }), on.leaderSettingsChanged());
  });
});

describe("event relations", () => {
  it("refuses a relation event for a relation not in the State", () => {
    const rel = new Relation({ endpoint: "db" });
    const event = on.relationChanged(rel);
    const problems = checkEventRelation(input(new State(), event));
    expect(problems).toEqual([
      `the event's relation db:${rel.id} is not in the State; add it to State.relations`,
    ]);
    expect(refusal(new State(), event)).toEqual(problems);
  });

  it("refuses an event relation whose id belongs to another endpoint's relation", () => {
    const inState = new Relation({ endpoint: "db", id: 70 });
    const stranger = new Relation({ endpoint: "website", id: 70 });
    const event = on.relationChanged(stranger);
    const problems = checkEventRelation(input(new State({ relations: [inState] }), event));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/has the id of relation db:70.*pass the State's relation/);
    expect(refusal(new State({ relations: [inState] }), event)).toEqual(problems);
  });

  it("refuses a remote unit id that is not in the relation", () => {
    const rel = new Relation({ endpoint: "db", remoteUnitsData: { 0: {}, 2: {} } });
    const state = new State({ relations: [rel] });
    for (const event of [
      on.relationJoined(rel, { remoteUnit: 1 }),
      on.relationChanged(rel, { remoteUnit: 1 }),
      on.relationDeparted(rel, { remoteUnit: 1 }),
    ]) {
      const problems = checkEventRelation(input(state, event));
      expect(problems).toEqual([
        `remote unit 1 is not a remote unit of relation db:${rel.id} (remote units: 0, 2); add it to the relation's remote units data`,
      ]);
      expect(refusal(state, event)).toEqual(problems);
    }
  });

  it("refuses a departing unit that is neither this unit nor in the relation", () => {
    const rel = new Relation({ endpoint: "db", remoteAppName: "database" });
    const state = new State({ relations: [rel] });
    for (const departingUnit of ["other/0", "database/9", "app/3"]) {
      const event = on.relationDeparted(rel, { remoteUnit: 0, departingUnit });
      const problems = checkEventRelation(input(state, event));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/departing unit ".*" is neither this unit nor a unit of/);
      expect(refusal(state, event)).toEqual(problems);
    }
  });

  it("refuses joined or departed on a relation with no remote units", () => {
    const rel = new Relation({ endpoint: "db", remoteUnitsData: {} });
    const state = new State({ relations: [rel] });
    for (const event of [on.relationJoined(rel), on.relationDeparted(rel)]) {
      const problems = checkEventRelation(input(state, event));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/needs a remote unit.*has none; add one/);
      expect(refusal(state, event)).toEqual(problems);
    }
    // an application-level relation-changed needs no remote unit
    accepted(state, on.relationChanged(rel));
  });

  it("refuses a subordinate event naming a unit other than the principal unit", () => {
    const rel = new SubordinateRelation({
      endpoint: "logs",
      remoteAppName: "principal",
      remoteUnitId: 4,
    });
    const state = new State({ relations: [rel] });
    const bad = on.relationChanged(rel, { remoteUnit: 0 });
    expect(checkEventRelation(input(state, bad))).toHaveLength(1);
    expect(refusal(state, bad)[0]).toMatch(/remote unit 0 is not a remote unit.*remote units: 4/);
    accepted(state, on.relationChanged(rel, { remoteUnit: 4 }));
  });

  it("accepts events naming the relation's units, this unit as departing, or none", () => {
    const rel = new Relation({
      endpoint: "db",
      remoteAppName: "database",
      remoteUnitsData: { 0: {}, 2: {} },
    });
    const peer = new PeerRelation({ endpoint: "cluster", peersData: { 1: {} } });
    const state = new State({ relations: [rel, peer] });
    for (const event of [
      on.relationCreated(rel),
      on.relationJoined(rel, { remoteUnit: 2 }),
      on.relationChanged(rel, { remoteUnit: 0 }),
      on.relationChanged(rel, { remoteUnit: null }),
      on.relationDeparted(rel, { remoteUnit: 2, departingUnit: "database/2" }),
      on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "app/0" }),
      on.relationBroken(rel),
      on.relationChanged(peer, { remoteUnit: 1 }),
      on.relationDeparted(peer, { remoteUnit: 1, departingUnit: "app/1" }),
    ]) {
      expect(checkEventRelation(input(state, event))).toEqual([]);
      accepted(state, event);
    }
  });
});

describe("stored states", () => {
  it("refuses two stored states with the same owner and name", () => {
    const state = new State({
      storedStates: [
        new StoredState({ ownerPath: "TestCharm", name: "_stored", content: { a: 1 } }),
        new StoredState({ ownerPath: "TestCharm", name: "_stored", content: { a: 2 } }),
      ],
    });
    const problems = checkStoredStates(input(state));
    expect(problems).toEqual([
      'two stored states for owner "TestCharm" named "_stored"; keep one of them',
    ]);
    expect(refusal(state)).toEqual(problems);
  });

  it("accepts the same name under different owners", () => {
    const state = new State({
      storedStates: [
        new StoredState({ ownerPath: "TestCharm", name: "_stored" }),
        new StoredState({ ownerPath: "TestCharm/Lib", name: "_stored" }),
      ],
    });
    expect(checkStoredStates(input(state))).toEqual([]);
    accepted(state);
  });
});

describe("the checker as a whole", () => {
  it("reports every problem at once, one line each", () => {
    const rel = new Relation({ endpoint: "nope" });
    const state = new State({ leader: false, relations: [rel], config: { port: "x" } });
    const problems = refusal(state, on.leaderElected());
    expect(problems).toHaveLength(3);
    const err = new InconsistentScenarioError(problems);
    expect(err.message.split("\n")).toHaveLength(4);
  });

  it("every rule passes a plain consistent scenario", () => {
    const state = new State({ relations: [new Relation({ endpoint: "db" })] });
    for (const rule of consistencyRules) expect(rule(input(state))).toEqual([]);
  });
});
