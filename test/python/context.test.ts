/**
 * Python charms through `Context.run`: the unmodified probe charm (python/tests/charms/probe)
 * reports what it sees and does what it is asked, so each State part is checked going in and
 * coming out; failures, deferral, stored state, the app-bag rule and the worker's time limit.
 */
import { describe, expect, it } from "vitest";
import { ActionFailed, Context, UncaughtCharmError } from "../../src/harness/context.js";
import { PeerRelation, Relation, State } from "../../src/model/state.js";
import { ActiveStatus, BlockedStatus, WaitingStatus } from "../../src/model/status.js";
import { isPythonCharm, pythonCharm } from "../../src/python/charm.js";
import { PythonCharmError } from "../../src/python/executor.js";
import { PythonSetupError, PythonWorkerError } from "../../src/python/worker.js";

const PROBE_DIR = new URL("../../python/tests/charms/probe", import.meta.url).pathname;
const probe = pythonCharm(PROBE_DIR);

type View = {
  unit: string;
  app: string;
  leader: boolean;
  config: Record<string, unknown>;
  config_types: Record<string, string>;
  model: { name: string; uuid: string };
  planned_units: number | null;
  unit_status: [string, string];
  app_status: [string, string] | null;
  relations: Record<string, { endpoint: string; app: string; units: string[]; bags: object }>;
  seen: string[];
  tags: string[];
  deferrals: number;
  relation_events: Record<string, unknown>[];
  credential: { endpoint: string; type: string; attrs: Record<string, string> } | null;
};

function inspect(ctx: Context, state: State): View {
  ctx.run(ctx.on.action("inspect"), state);
  return JSON.parse(String(ctx.actionResults?.view)) as View;
}

function raised(fn: () => unknown): PythonCharmError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UncaughtCharmError);
    const cause = (e as UncaughtCharmError).cause;
    expect(cause).toBeInstanceOf(PythonCharmError);
    return cause as PythonCharmError;
  }
  throw new Error("expected the hook to fail");
}

describe("pythonCharm", () => {
  it("takes its metadata from the directory and stands where a charm class goes", () => {
    expect(isPythonCharm(probe)).toBe(true);
    expect(probe.spec.meta.name).toBe("probe");
    expect(Object.keys(probe.spec.actions)).toContain("inspect");
    expect(probe.spec.config.options.ratio?.type).toBe("float");
    expect(new Context(probe).spec).toBe(probe.spec);
  });

  it("refuses a directory without src/charm.py, and bad options, naming the field", () => {
    expect(() => pythonCharm("/nonexistent/charm")).toThrow(/dir: .*src\/charm\.py does not exist/);
    expect(() => pythonCharm(PROBE_DIR, { hookTimeout: 0 })).toThrow(/hookTimeout/);
  });

  it("names what to install when the interpreter cannot be run", () => {
    const missing = pythonCharm(PROBE_DIR, { python: "/nonexistent/python3" });
    const ctx = new Context(missing);
    expect(() => ctx.run(ctx.on.install(), new State())).toThrow(PythonSetupError);
    expect(() => ctx.run(ctx.on.install(), new State())).toThrow(/npm run setup:python/);
  });
});

describe("a Python charm through Context.run", () => {
  const ctx = new Context(probe, { appName: "probe", unitId: 3 });

  it("sees every State part it is given", () => {
    const db = new Relation({
      endpoint: "db",
      remoteAppName: "web",
      localAppData: { la: "1" },
      localUnitData: { lu: "2" },
      remoteAppData: { ra: "3" },
      remoteUnitsData: { 0: { r0: "4" }, 2: {} },
    });
    const cluster = new PeerRelation({ endpoint: "cluster", peersData: { 1: { p: "5" } } });
    const state = new State({
      leader: true,
      config: { ratio: 2, count: 7, greeting: "hello", flag: true },
      model: { name: "dev", uuid: "0b9d5b5e-4c43-4b4a-9b3b-5a7a8f0c1d2e" },
      plannedUnits: 4,
      unitStatus: new BlockedStatus("why"),
      appStatus: new WaitingStatus("soon"),
      relations: [db, cluster],
      trusted: true,
      credential: { type: "certificate", endpoint: "https://10.0.0.1:8443", attrs: { k: "v" } },
    });
    const view = inspect(ctx, state);
    expect(view).toMatchObject({
      unit: "probe/3",
      app: "probe",
      leader: true,
      config: { ratio: 2, count: 7, greeting: "hello", flag: true },
      model: { name: "dev", uuid: "0b9d5b5e-4c43-4b4a-9b3b-5a7a8f0c1d2e" },
      planned_units: 4,
      unit_status: ["blocked", "why"],
      app_status: ["waiting", "soon"],
      credential: { endpoint: "https://10.0.0.1:8443", type: "certificate", attrs: { k: "v" } },
    });
    // A float option is a float in Python even when the value is a whole number.
    expect(view.config_types).toMatchObject({ ratio: "float", count: "int", flag: "bool" });
    expect(view.relations[String(db.id)]).toEqual({
      endpoint: "db",
      app: "web",
      units: ["web/0", "web/2"],
      bags: {
        "probe/3": { lu: "2" },
        probe: { la: "1" },
        web: { ra: "3" },
        "web/0": { r0: "4" },
        "web/2": {},
      },
    });
    expect(view.relations[String(cluster.id)]).toMatchObject({ app: "probe", units: ["probe/1"] });
  });

  it("a non-trusted unit has no credential; a non-leader does not see the app bag", () => {
    const db = new Relation({ endpoint: "db", localAppData: { secret: "x" } });
    const view = inspect(ctx, new State({ relations: [db] }));
    expect(view.credential).toBeNull();
    expect(view.relations[String(db.id)]?.bags).not.toHaveProperty("probe");
  });

  it("returns what the hook changed: bags, statuses, workload version, action output", () => {
    const db = new Relation({ endpoint: "db", localUnitData: { old: "1" } });
    const state = new State({ leader: true, relations: [db] });
    const written = ctx.run(
      ctx.on.action("write", { params: { "relation-id": db.id, app: true, key: "k", value: "v" } }),
      state,
    );
    expect(written.getRelation(db.id)?.localAppData).toEqual({ k: "v" });
    expect(written.getRelation(db.id)?.localUnitData).toEqual({ old: "1" });
    expect(ctx.actionLogs).toEqual(["wrote k"]);
    const statuses = ctx.run(
      ctx.on.action("set-status", { params: { unit: "u", app: "a", "workload-version": "1.2" } }),
      state,
    );
    expect(statuses.unitStatus).toEqual(new ActiveStatus("u"));
    expect(statuses.appStatus).toEqual(new WaitingStatus("a"));
    expect(statuses.workloadVersion).toBe("1.2");
    expect(ctx.unitStatusHistory.map(String)).toEqual(["unknown", "blocked: first"]);
    expect(ctx.actionResults).toEqual({ done: "yes" });
  });

  it("keeps stored state across hooks as ops does", () => {
    let state = new State({});
    for (const event of [ctx.on.install(), ctx.on.start(), ctx.on.configChanged()]) {
      state = ctx.run(event, state);
    }
    const view = inspect(ctx, state);
    expect(view.seen).toEqual(["install", "start", "config_changed"]);
    expect(view.tags).toEqual(["config_changed", "install", "start"]);
    const own = state.storedStates.find((s) => s.ownerPath === "ProbeCharm");
    expect(own?.content.tags).toEqual({
      __charmsim_py__: "set",
      items: ["config_changed", "install", "start"],
    });
  });

  it("a raising charm fails the hook with its traceback; nothing is committed", () => {
    const db = new Relation({ endpoint: "db", localUnitData: {}, remoteUnitsData: { 0: {} } });
    const state = new State({ config: { "fail-install": true }, relations: [db] });
    const error = raised(() => ctx.run(ctx.on.install(), state));
    expect(error.name).toBe("RuntimeError");
    expect(error.message).toBe("install failed on purpose");
    expect(error.traceback).toMatch(/raise RuntimeError\("install failed on purpose"\)/);
    expect(ctx.jujuLog.map((l) => l.message)).toContain("install is about to fail");
    expect(state.getRelation(db.id)?.localUnitData).toEqual({});
  });

  it("a deferred event is re-run before the next hook", () => {
    const deferring = ctx.run(
      ctx.on.updateStatus(),
      new State({ config: { "defer-update": true } }),
    );
    expect(deferring.deferred.map((d) => d.handlePath)).toEqual(["ProbeCharm/on/update_status[1]"]);
    const later = new State({
      config: { "defer-update": false },
      deferred: deferring.deferred,
      storedStates: deferring.storedStates,
    });
    const after = ctx.run(ctx.on.configChanged(), later);
    expect(ctx.emitted.map((e) => [e.kind, e.reemitted])).toEqual([
      ["update_status", true],
      ["config_changed", false],
    ]);
    expect(after.deferred).toEqual([]);
    expect(after.unitStatus).toEqual(new ActiveStatus("updated after 1 deferrals"));
  });

  it("a non-leader writing its application bag fails the hook", () => {
    const db = new Relation({ endpoint: "db", remoteUnitsData: { 0: {} } });
    const params = { "relation-id": db.id, app: true, key: "k", value: "v" };
    const error = raised(() =>
      ctx.run(ctx.on.action("write", { params }), new State({ relations: [db] })),
    );
    expect(error.name).toBe("RelationDataAccessError");
    expect(error.message).toMatch(/is not leader/);
  });

  it("an action that fails gives ActionFailed with the output state", () => {
    const requirer = pythonCharm(
      new URL("../../python/charms/certificate-transfer-requirer", import.meta.url).pathname,
    );
    const rctx = new Context(requirer);
    expect(() => rctx.run(rctx.on.action("is-ready"), new State())).toThrow(ActionFailed);
    expect(() => rctx.run(rctx.on.action("is-ready"), new State())).toThrow(
      /relation-id is required/,
    );
  });
});

describe("the worker", () => {
  it("a hook past its time limit fails with every thread's traceback; the next hook runs", () => {
    const slow = pythonCharm(PROBE_DIR, { hookTimeout: 1 });
    const ctx = new Context(slow);
    const started = performance.now();
    let error: unknown;
    try {
      ctx.run(ctx.on.action("sleep", { params: { seconds: 60 } }), new State());
    } catch (e) {
      error = (e as UncaughtCharmError).cause;
    }
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(error).toBeInstanceOf(PythonWorkerError);
    expect(String((error as Error).message)).toMatch(/did not finish within 1 s/);
    expect((error as PythonWorkerError).traceback).toMatch(/_on_sleep/);
    expect(ctx.run(ctx.on.install(), new State()).storedStates.length).toBeGreaterThan(0);
  });

  it("a worker that ignores its own time limit is killed by charmsim's watchdog", () => {
    const ctx = new Context(pythonCharm(PROBE_DIR, { hookTimeout: 1 }));
    const started = performance.now();
    let error: unknown;
    try {
      const params = { seconds: 60, "block-alarm": true };
      ctx.run(ctx.on.action("sleep", { params }), new State());
    } catch (e) {
      error = (e as UncaughtCharmError).cause;
    }
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(error).toBeInstanceOf(PythonWorkerError);
    expect(String((error as Error).message)).toMatch(/did not finish within 1 s/);
    expect(ctx.run(ctx.on.install(), new State()).storedStates.length).toBeGreaterThan(0);
  });

  it("a crashed worker is reported and restarted", () => {
    const ctx = new Context(probe);
    let error: unknown;
    try {
      ctx.run(ctx.on.action("crash"), new State());
    } catch (e) {
      error = (e as UncaughtCharmError).cause;
    }
    expect(error).toBeInstanceOf(PythonWorkerError);
    expect(String((error as Error).message)).toMatch(/died during the request \(exit code 3\)/);
    expect(ctx.run(ctx.on.install(), new State()).storedStates.length).toBeGreaterThan(0);
  });
});
