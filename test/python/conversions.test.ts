/**
 * The executor's conversions, both ways, without Python: a unit's view at a hook becomes the
 * worker's request (every State part it carries), and the worker's reply becomes the hook's result.
 */
import { describe, expect, it } from "vitest";
import type { EnvRelation, Hook, HookEnvironment } from "../../src/harness/hook.js";
import { PermissionDeniedError } from "../../src/harness/ops/errors.js";
import { charmSpec } from "../../src/model/metadata.js";
import type { Databag } from "../../src/model/state.js";
import {
  ActiveStatus,
  BlockedStatus,
  UnknownStatus,
  WaitingStatus,
} from "../../src/model/status.js";
import { eventWire, hookResult, unitNumber, unitStateWire } from "../../src/python/executor.js";
import type { RunOk } from "../../src/python/protocol.js";

const spec = charmSpec({
  meta: {
    name: "probe",
    provides: { db: { interface: "probe-db" } },
    requires: { upstream: { interface: "probe-upstream" } },
    peers: { cluster: { interface: "probe-cluster" } },
  },
  actions: { write: { params: { app: { type: "boolean", default: false }, key: {} } } },
  config: { options: { ratio: { type: "float", default: 0.5 } } },
});

function relation(
  id: number,
  endpoint: string,
  kind: EnvRelation["kind"],
  remoteApp: string | null,
  remoteUnits: string[],
  bags: Record<string, Databag>,
): EnvRelation {
  return {
    id,
    endpoint,
    interfaceName: `probe-${endpoint}`,
    kind,
    remoteApp,
    remoteUnits,
    readBag: (owner) => bags[owner] ?? {},
  };
}

function environment(over: Partial<HookEnvironment> = {}): HookEnvironment {
  const relations = new Map<number, EnvRelation>([
    [
      1,
      relation(1, "db", "regular", "web", ["web/0", "web/2"], {
        "probe/3": { lu: "1" },
        probe: { la: "2" },
        web: { ra: "3" },
        "web/0": { w0: "4" },
        "web/2": {},
        "web/5": { gone: "yes" },
      }),
    ],
    [2, relation(2, "cluster", "peer", "probe", ["probe/1"], { "probe/1": { p: "1" } })],
    [3, relation(3, "upstream", "regular", "up", [], { up: { u: "1" } })],
  ]);
  return {
    spec,
    unitName: "probe/3",
    appName: "probe",
    isLeader: true,
    config: { ratio: 2, name: "x" },
    modelName: "dev",
    modelUuid: "uuid-1",
    plannedUnits: 4,
    unitStatus: new BlockedStatus("why"),
    appStatus: new UnknownStatus(),
    workloadVersion: "1.0",
    hookSeed: 7,
    relationIds: (endpoint) =>
      [...relations.values()].filter((r) => r.endpoint === endpoint && r.id !== 3).map((r) => r.id),
    relation: (id) => relations.get(id),
    storedStates: [{ ownerPath: "Probe", name: "_stored", content: { n: 1 } }],
    deferred: [
      { handlePath: "Probe/on/start[2]", owner: "Probe", observer: "_on_start", snapshot: {} },
    ],
    credentialGet: () => ({ type: "certificate", endpoint: "https://lxd", attrs: { k: "v" } }),
    external: {},
    ...over,
  };
}

describe("the unit's view becomes the worker's State", () => {
  it("carries every scalar part, stored state, deferred notices and the credential", () => {
    const wire = unitStateWire(environment(), { kind: "install" });
    expect(wire).toMatchObject({
      leader: true,
      config: { ratio: 2, name: "x" },
      model_name: "dev",
      model_uuid: "uuid-1",
      planned_units: 4,
      unit_status: { name: "blocked", message: "why" },
      app_status: { name: "unknown", message: "" },
      workload_version: "1.0",
      stored_states: [{ owner_path: "Probe", name: "_stored", content: { n: 1 } }],
      deferred: [
        { handle_path: "Probe/on/start[2]", owner: "Probe", observer: "_on_start", snapshot: {} },
      ],
      credential: { type: "certificate", endpoint: "https://lxd", attrs: { k: "v" } },
    });
  });

  it("an untrusted unit carries no credential", () => {
    const env = environment({
      credentialGet: () => {
        throw new PermissionDeniedError("permission denied");
      },
    });
    expect(unitStateWire(env, { kind: "install" }).credential).toBeNull();
  });

  it("carries the listed relations with their bags, and not the unlisted ones", () => {
    const wire = unitStateWire(environment(), { kind: "install" });
    expect(wire.relations).toEqual([
      {
        kind: "regular",
        id: 1,
        endpoint: "db",
        interface: "probe-db",
        remote_app: "web",
        local_app_data: { la: "2" },
        local_unit_data: { lu: "1" },
        remote_app_data: { ra: "3" },
        remote_units: { "0": { w0: "4" }, "2": {} },
        extra_units: {},
      },
      {
        kind: "peer",
        id: 2,
        endpoint: "cluster",
        interface: "probe-cluster",
        remote_app: "probe",
        local_app_data: {},
        local_unit_data: {},
        remote_app_data: {},
        remote_units: { "1": { p: "1" } },
        extra_units: {},
      },
    ]);
  });

  it("adds the relation being broken, and the departing unit's bag as readable", () => {
    const broken = unitStateWire(environment(), { kind: "relation-broken", relationId: 3 });
    expect(broken.relations.map((r) => r.id)).toEqual([1, 2, 3]);
    const departed = unitStateWire(environment(), {
      kind: "relation-departed",
      relationId: 1,
      remoteUnit: "web/5",
      departingUnit: "web/5",
    });
    expect(departed.relations[0]?.extra_units).toEqual({ "5": { gone: "yes" } });
    expect(Object.keys(departed.relations[0]?.remote_units ?? {})).toEqual(["0", "2"]);
  });
});

describe("the hook becomes the worker's event", () => {
  const cases: [Hook, object][] = [
    [{ kind: "update-status" }, { kind: "update-status", relation_id: null, remote_unit: null }],
    [
      { kind: "relation-created", relationId: 4 },
      { kind: "relation-created", relation_id: 4 },
    ],
    [
      { kind: "relation-joined", relationId: 4, remoteUnit: "web/7" },
      { kind: "relation-joined", relation_id: 4, remote_unit: 7 },
    ],
    [
      { kind: "relation-changed", relationId: 4, remoteUnit: null },
      { kind: "relation-changed", relation_id: 4, remote_unit: null },
    ],
    [
      { kind: "relation-departed", relationId: 4, remoteUnit: "web/1", departingUnit: "probe/0" },
      { kind: "relation-departed", relation_id: 4, remote_unit: 1, departing_unit: 0 },
    ],
    [
      { kind: "relation-broken", relationId: 4 },
      { kind: "relation-broken", relation_id: 4 },
    ],
  ];
  it.each(cases)("%o", (hook, expected) => {
    expect(eventWire(spec, hook)).toMatchObject({ ...expected, action: null });
  });

  it("fills an action's declared defaults", () => {
    const wire = eventWire(spec, { kind: "action", name: "write", params: { key: "k" }, id: "9" });
    expect(wire.action).toEqual({ name: "write", params: { app: false, key: "k" }, id: "9" });
  });

  it("reads unit numbers from unit names", () => {
    expect(unitNumber("my-app/12")).toBe(12);
    expect(() => unitNumber("nonsense")).toThrow(/not a unit name/);
  });
});

describe("the worker's reply becomes the hook's result", () => {
  const reply: RunOk = {
    type: "result",
    ok: true,
    id: 1,
    bag_writes: [
      { relation_id: 1, owner: "app", data: { a: "1" } },
      { relation_id: 1, owner: "unit", data: {} },
    ],
    unit_status: { name: "active", message: "ok" },
    app_status: { name: "waiting", message: "w" },
    unit_status_history: [
      { name: "blocked", message: "b" },
      { name: "active", message: "ok" },
    ],
    app_status_history: [{ name: "waiting", message: "w" }],
    workload_version: "2.0",
    stored_states: [
      { owner_path: "", name: "_stored", content: { event_count: 9 } },
      {
        owner_path: "Probe",
        name: "_stored",
        content: { s: { __charmsim_py__: "set", items: [] } },
      },
    ],
    deferred: [
      { handle_path: "Probe/on/x[3]", owner: "Probe", observer: "_x", snapshot: { a: 1 } },
    ],
    logs: [
      { level: "DEBUG", message: "d" },
      { level: "TRACE", message: "t" },
    ],
    emitted: [
      { kind: "install", handle_path: "Probe/on/install[1]", reemitted: false, snapshot: {} },
    ],
    action: { results: { done: "yes" }, logs: ["l"], failure: null },
    worker_us: 1,
  };

  it("names the unit's own bags and keeps every other part", () => {
    const result = hookResult(environment(), reply);
    expect(result.bagWrites).toEqual([
      { relationId: 1, owner: "probe", data: { a: "1" } },
      { relationId: 1, owner: "probe/3", data: {} },
    ]);
    expect(result.unitStatus).toEqual(new ActiveStatus("ok"));
    expect(result.appStatus).toEqual(new WaitingStatus("w"));
    expect(result.unitStatusHistory).toEqual([new BlockedStatus("b"), new ActiveStatus("ok")]);
    expect(result.appStatusHistory).toEqual([new WaitingStatus("w")]);
    expect(result.workloadVersion).toBe("2.0");
    expect(result.storedStates).toEqual([
      { ownerPath: "", name: "_stored", content: { event_count: 9 } },
      {
        ownerPath: "Probe",
        name: "_stored",
        content: { s: { __charmsim_py__: "set", items: [] } },
      },
    ]);
    expect(result.deferred).toEqual([
      { handlePath: "Probe/on/x[3]", owner: "Probe", observer: "_x", snapshot: { a: 1 } },
    ]);
    expect(result.logs).toEqual([
      { level: "DEBUG", logger: "", message: "d" },
      { level: "DEBUG", logger: "", message: "t" },
    ]);
    expect(result.emitted).toEqual([
      { kind: "install", handlePath: "Probe/on/install[1]", reemitted: false, snapshot: {} },
    ]);
    expect(result.action).toEqual({ results: { done: "yes" }, logs: ["l"], failure: null });
  });
});
