import { z } from "zod";
import type { Captured } from "../agent/agent.js";
import { type UnitAgent, UnitAgents } from "../agent/agent.js";
import type { HookOp } from "../agent/local-state.js";
import { InputError } from "../model/errors.js";
import type { Hook } from "../model/hooks.js";
import type { JsonObject } from "../model/json.js";
import {
  type AppRecord,
  JujuModel,
  type JujuModel as JujuModelType,
  ModelOperationError,
  type UnitRecord,
} from "../model/juju-model.js";
import {
  type ActionsMetaInput,
  type CharmMetaInput,
  type CharmSpec,
  type ConfigMetaInput,
  type ConfigValue,
  charmSpec,
  configWithDefaults,
} from "../model/metadata.js";
import { type CloudCredential, type Databag, DEFAULT_JUJU_DATABAG } from "../model/state.js";
import type { Status } from "../model/status.js";
import { isPythonCharm } from "../python/charm.js";
import { UncaughtCharmError } from "./context.js";
import { actionParamsWithDefaults, dispatch } from "./dispatch.js";
import type {
  ActionOutcome,
  EnvRelation,
  HookEnvironment,
  HookResult,
  JujuLogLine,
} from "./hook.js";
import {
  type JujuShowUnit,
  type JujuStatus,
  modelStatus,
  showUnit as showUnitOf,
} from "./juju-status.js";
import type { CharmBase, CharmClass } from "./ops/charm.js";
import { PermissionDeniedError } from "./ops/errors.js";
import { type DeferredRelationGonePolicy, Framework } from "./ops/framework.js";
import type { Model } from "./ops/model.js";
import { type Scheduler, SeededScheduler } from "./scheduler.js";
import { type HookRecord, Trace, type TraceRecord } from "./trace.js";

/** A relation as one unit sees it during one hook of the simulation; unit lists are built on first use. */
class SimRelationView implements EnvRelation {
  readonly kind: "peer" | "regular";
  private units: readonly string[] | undefined;
  constructor(
    private readonly model: JujuModelType,
    private readonly agent: UnitAgent,
    readonly id: number,
    readonly endpoint: string,
    readonly interfaceName: string,
    peer: boolean,
    readonly remoteApp: string,
    private readonly hook: Hook,
  ) {
    this.kind = peer ? "peer" : "regular";
  }
  /** The relation's members as the agent's local state has them (Juju's hook context). */
  get remoteUnits(): readonly string[] {
    this.units ??= this.agent.members(this.id, this.hook);
    return this.units;
  }
  /**
   * Settings are read from the controller when first read in the hook and kept for the hook
   * (Juju's RelationCache); the model does not change while one hook runs, so a read of the
   * model's committed bag is that value.
   */
  readBag(owner: string): Databag {
    return this.model.readBag(this.id, owner);
  }
}

const NO_EXTERNALS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * What one unit's agent exposes to charm code during one hook. One object per hook; relation
 * views are built on first use and kept for the hook.
 */
class SimHookEnvironment implements HookEnvironment {
  readonly spec: CharmSpec;
  readonly unitName: string;
  readonly appName: string;
  readonly isLeader: boolean;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly plannedUnits: number;
  readonly unitStatus: Status;
  readonly appStatus: Status;
  readonly workloadVersion: string;
  readonly storedStates: UnitRecord["storedStates"];
  readonly deferred: UnitRecord["deferred"];
  private readonly app: AppRecord;
  private views: Map<number, EnvRelation | undefined> | undefined;

  constructor(
    private readonly model: JujuModelType,
    private readonly agent: UnitAgent,
    unit: UnitRecord,
    private readonly hook: Hook,
    readonly config: Readonly<Record<string, ConfigValue>>,
    readonly hookSeed: number,
    readonly external: Readonly<Record<string, unknown>>,
  ) {
    const app = model.app(unit.app);
    this.app = app;
    this.spec = app.spec;
    this.unitName = unit.name;
    this.appName = unit.app;
    this.isLeader = model.isLeader(unit.name);
    this.modelName = model.name;
    this.modelUuid = model.uuid;
    this.plannedUnits = app.aliveUnits;
    this.unitStatus = unit.unitStatus;
    this.appStatus = app.appStatus;
    this.workloadVersion = unit.workloadVersion;
    this.storedStates = unit.storedStates;
    this.deferred = unit.deferred;
  }

  relationIds(endpoint: string): readonly number[] {
    return this.agent.relationIds(endpoint, this.hook);
  }

  relation(id: number): EnvRelation | undefined {
    this.views ??= new Map();
    if (this.views.has(id)) return this.views.get(id);
    const known = this.agent.local.known.get(id);
    const rel = this.model.relations.get(id);
    let out: EnvRelation | undefined;
    if (known && rel) {
      out = new SimRelationView(
        this.model,
        this.agent,
        id,
        known.endpoint,
        rel.interfaceName,
        rel.peer,
        known.remoteApp,
        this.hook,
      );
    }
    this.views.set(id, out);
    return out;
  }

  credentialGet(): CloudCredential {
    if (!this.app.trusted) throw new PermissionDeniedError("permission denied");
    if (!this.model.credential)
      throw new PermissionDeniedError("no credential for this model's cloud");
    return this.model.credential;
  }
}

/**
 * What settle() found when it ran into its hook budget: "livelock", the same few hooks repeating
 * and changing nothing; "loop", the same few hooks repeating while they keep rewriting data; or
 * "size", many different hooks still running (a large model: raise maxHooks).
 */
export type SettleLimitKind = "livelock" | "loop" | "size";

/** settle() ran into its hook budget: names the units and hooks that kept running. */
export class SettleLimitError extends Error {
  override name = "SettleLimitError";
  constructor(
    readonly maxHooks: number,
    readonly looping: readonly { unit: string; hook: string; count: number }[],
    readonly kind: SettleLimitKind = "loop",
  ) {
    const list = looping.map((l) => `${l.unit} ${l.hook} x${l.count}`).join(", ");
    const why =
      kind === "livelock"
        ? `livelock: the same hooks repeat and change nothing; still looping: ${list}`
        : kind === "loop"
          ? `the same hooks keep rewriting data; still looping: ${list}`
          : `no hook repeats: the model is still busy (raise maxHooks); most recent: ${list}`;
    super(`settle() ran ${maxHooks} hooks without reaching quiescence; ${why}`);
  }
}

const settleOptionsSchema = z.strictObject({
  maxHooks: z.number().int().min(1).max(1_000_000_000).optional(),
  /** Called every `progressEvery` hooks with the number run so far (long settles). */
  onProgress: z.custom<(hooks: number) => void>((v) => typeof v === "function").optional(),
  progressEvery: z.number().int().min(1).optional(),
});
export type SettleOptions = z.input<typeof settleOptionsSchema>;

const simulationOptionsSchema = z.strictObject({
  seed: z.number().int().min(0).max(0xffff_ffff).optional(),
  scheduler: z
    .custom<Scheduler>(
      (v) =>
        typeof v === "object" &&
        v !== null &&
        typeof (v as Scheduler).choose === "function" &&
        typeof (v as Scheduler).nextUint32 === "function",
      "a Scheduler (choose and nextUint32)",
    )
    .optional(),
  onHookError: z.enum(["error", "retry", "skip"]).optional(),
  deferredRelationGone: z.enum(["drop", "error"]).optional(),
  external: z.record(z.string(), z.unknown()).optional(),
  recordLogs: z.boolean().optional(),
  watchers: z.enum(["lagging", "prompt"]).optional(),
  jujuBagKeys: z.boolean().optional(),
});

/** What to do when charm code throws in a hook. */
export type HookErrorPolicy = "error" | "retry" | "skip";

export interface SimulationOptions {
  /** Seeds the default scheduler and all hook entropy. */
  readonly seed?: number;
  /** Replaces the seeded scheduler (e.g. a ListScheduler driven by fast-check). */
  readonly scheduler?: Scheduler;
  /**
   * "error" (default): the unit stays in error until `resolve()`; "retry": the hook is retried
   * when the unit is next scheduled; "skip": the failed hook counts as done (no data committed).
   */
  readonly onHookError?: HookErrorPolicy;
  readonly deferredRelationGone?: DeferredRelationGonePolicy;
  /** Simulated external systems charm code reaches with `model.external(name)`. */
  readonly external?: Readonly<Record<string, unknown>>;
  /** Record juju-log lines in the trace (default true). */
  readonly recordLogs?: boolean;
  /**
   * "lagging" (default): each unit agent's watchers deliver model changes when the seed says, so
   * a unit may run hooks with a view that lags the model, as Juju's agents do. "prompt": every
   * change reaches every agent before any unit runs its next hook (the same resolver, no lag).
   */
  readonly watchers?: "lagging" | "prompt";
  /**
   * Whether a unit's bag in a relation starts with the keys Juju writes when the unit enters the
   * relation's scope (`private-address`, `ingress-address`, `egress-subnets`; default true).
   */
  readonly jujuBagKeys?: boolean;
}

export interface DeployOptions {
  readonly meta?: CharmMetaInput;
  readonly actions?: ActionsMetaInput;
  readonly config?: ConfigMetaInput;
  readonly spec?: CharmSpec;
  readonly units?: number;
  readonly configValues?: Readonly<Record<string, ConfigValue>>;
  readonly trusted?: boolean;
}

export interface ActionRun extends ActionOutcome {
  /** The error charm code threw, if it did (the action then failed and committed nothing). */
  readonly error: unknown;
}

function diff(before: Databag, after: Databag): { set: Record<string, string>; del: string[] } {
  const set: Record<string, string> = {};
  const del: string[] = [];
  for (const [k, v] of Object.entries(after)) if (before[k] !== v) set[k] = v;
  for (const k of Object.keys(before)) if (!(k in after)) del.push(k);
  return { set, del: del.sort() };
}

/**
 * A whole Juju model in memory, running real charm code on every unit. Model operations change
 * what Juju holds; `step()` runs one hook on one unit chosen by the scheduler; `settle()` runs
 * until no unit has pending hooks. Every hook, commit, event, log line, status change and
 * operation is recorded in `trace`.
 */
export class Simulation {
  readonly trace: Trace;
  readonly model: JujuModelType;
  /** The unit agents: each one's remote state, local state and resolver. */
  readonly agents: UnitAgents;
  private readonly scheduler: Scheduler;
  private readonly charms = new Map<string, CharmClass>();
  private readonly leaders = new Map<string, string | null>();
  /** The model's leadershipVersion when `leaders` was last brought up to date (-1: never). */
  private leadersRecordedAt = -1;
  private readonly configCache = new Map<
    string,
    { version: number; config: Readonly<Record<string, ConfigValue>> }
  >();
  private actionCounter = 0;

  constructor(private readonly options: SimulationOptions = {}) {
    const checked = simulationOptionsSchema.safeParse(options);
    if (!checked.success) throw InputError.fromZod("Simulation options", checked.error);
    this.scheduler = options.scheduler ?? new SeededScheduler(options.seed ?? 0);
    this.trace = new Trace(options.seed ?? null);
    this.model = new JujuModel((n, what) => this.scheduler.choose(n, what));
    this.agents = new UnitAgents(this.model);
    this.model.hub = this.agents;
    if (options.jujuBagKeys ?? true) this.model.unitBagOnEntry = DEFAULT_JUJU_DATABAG;
  }

  // ---- model operations -------------------------------------------------------------------

  private op(op: string, args: JsonObject): void {
    this.trace.push({ t: "op", seq: this.trace.nextSeq(), op, args });
  }

  private recordLeaders(): void {
    // Most steps change no leader: nothing to compare then.
    if (this.model.leadershipVersion === this.leadersRecordedAt) return;
    this.leadersRecordedAt = this.model.leadershipVersion;
    for (const app of this.model.apps.values()) {
      const leader = app.life === "removed" ? null : app.leader;
      if ((this.leaders.get(app.name) ?? null) !== leader || !this.leaders.has(app.name)) {
        if (!this.leaders.has(app.name) && leader === null) {
          this.leaders.set(app.name, null);
          continue;
        }
        this.leaders.set(app.name, leader);
        this.trace.push({ t: "leader", seq: this.trace.nextSeq(), app: app.name, unit: leader });
      }
    }
  }

  private operate<T>(op: string, args: JsonObject, fn: () => T): T {
    const result = fn();
    this.op(op, args);
    this.recordLeaders();
    return result;
  }

  /** Deploys an application of `charm` with `units` units (default 1); its peer relations come with it. */
  deploy(name: string, charm: CharmClass, options: DeployOptions = {}): void {
    const spec =
      options.spec ??
      (isPythonCharm(charm) ? charm.spec : undefined) ??
      (options.meta
        ? charmSpec({
            meta: options.meta,
            ...(options.actions ? { actions: options.actions } : {}),
            ...(options.config ? { config: options.config } : {}),
          })
        : undefined);
    if (!spec)
      throw new ModelOperationError(`deploy ${name}: pass the charm's meta (or a loaded spec)`);
    const units = options.units ?? 1;
    this.operate("deploy", { app: name, charm: charm.name, units }, () => {
      this.model.deploy(name, charm.name, spec, {
        units,
        config: options.configValues ?? {},
        trusted: options.trusted ?? false,
      });
      this.charms.set(name, charm);
    });
  }

  addUnit(app: string): string {
    return this.operate("add-unit", { app }, () => this.model.addUnit(app));
  }

  removeUnit(unit: string): void {
    this.operate("remove-unit", { unit }, () =>
      this.model.removeUnit(unit, this.agentStarted(unit)),
    );
  }

  private agentStarted(unit: string): boolean {
    return this.agents.has(unit) && this.agents.get(unit).started;
  }

  /** Relates two endpoints ("app:endpoint"); returns the relation id. */
  integrate(a: string, b: string): number {
    const id = this.model.integrate(a, b);
    this.op("integrate", { a, b, id });
    return id;
  }

  removeRelation(id: number): void {
    this.operate("remove-relation", { id }, () => this.model.removeRelation(id));
  }

  /** Moves leadership to `unit` (between hooks). */
  setLeader(unit: string): void {
    this.operate("set-leader", { unit }, () => this.model.setLeader(unit));
  }

  setConfig(app: string, values: Readonly<Record<string, ConfigValue>>): void {
    this.operate("set-config", { app, values: { ...values } }, () =>
      this.model.setConfig(app, values),
    );
  }

  /** `juju trust app` (or `--remove` with false): lets the app's charm read the cloud credential. */
  trust(app: string, trusted = true): void {
    this.operate("trust", { app, trusted }, () => this.model.setTrust(app, trusted));
  }

  /** The cloud credential trusted applications can read with `credential-get`. */
  setCloudCredential(credential: CloudCredential | null): void {
    this.operate("set-credential", { endpoint: credential?.endpoint ?? null }, () => {
      this.model.credential = credential;
    });
  }

  removeApplication(app: string): void {
    this.operate("remove-application", { app }, () =>
      this.model.removeApplication(app, (u) => this.agentStarted(u)),
    );
  }

  /** Queues update-status on a unit, or on every unit. */
  updateStatus(unit?: string): void {
    this.operate("update-status", { unit: unit ?? null }, () => {
      const units = unit
        ? [unit]
        : [...this.model.units.values()].filter((u) => u.life === "alive").map((u) => u.name);
      for (const u of units) this.model.queueUpdateStatus(u);
    });
  }

  /** Clears a unit's error; `retry` re-runs the failed hook, otherwise it counts as done. */
  resolve(unit: string, options: { retry?: boolean } = {}): void {
    const retry = options.retry ?? true;
    const hookSeq = this.lastFailedHookSeq(unit);
    this.model.unit(unit);
    const agent = this.agents.get(unit);
    if (!agent.errorHook) throw new ModelOperationError(`unit ${unit} is not in error`);
    agent.resolved(retry);
    this.trace.push({ t: "resolve", seq: this.trace.nextSeq(), unit, hook: hookSeq, retry });
    this.recordLeaders();
  }

  // ---- running hooks ----------------------------------------------------------------------

  /**
   * Runs one hook on one unit; returns its record, or null when the model is settled (every
   * agent caught up with the model and none with a hook to run). Before the hook, the scheduler
   * may deliver any number of watcher events: at each turn it picks a unit with something to do,
   * then (when the unit could do either) whether its agent takes a watcher event or runs its
   * resolver. Choice 0 always delivers first, so shrunk choice lists give the least lag.
   */
  step(): HookRecord | null {
    const prompt = this.options.watchers === "prompt";
    for (;;) {
      const active = this.agents.active();
      if (active.length === 0) return null;
      if (prompt) this.deliverEverything();
      const units = this.agents.active();
      if (units.length === 0) return null;
      const unitName = units[
        units.length === 1 ? 0 : this.scheduler.choose(units.length, "unit to act")
      ] as string;
      const agent = this.agents.get(unitName);
      if (!agent.started) {
        this.recordDelivery(unitName, agent.start());
        continue;
      }
      const canDeliver = agent.pendingCount > 0;
      const canRun = !agent.quiet;
      if (
        canDeliver &&
        (!canRun || this.scheduler.choose(2, `${unitName}: deliver or run`) === 0)
      ) {
        const delivery = agent.deliver((n, what) => this.scheduler.choose(n, what));
        if (delivery) this.recordDelivery(unitName, delivery);
        continue;
      }
      const op = agent.nextHook((n, what) => this.scheduler.choose(n, what));
      this.recordLeaders();
      if (op) return this.runHook(agent, op);
    }
  }

  /**
   * Lets one unit act now: its agent starts if it had not, takes every watcher event waiting
   * for it, and runs its next hook. Returns the hook's record, or null when the unit, caught up,
   * has no hook to run. Other units do nothing (their watchers keep what they have not taken).
   */
  stepUnit(unit: string): HookRecord | null {
    if (this.model.units.get(unit)?.life === "removed") return null;
    this.model.unit(unit);
    const agent = this.agents.get(unit);
    if (agent.terminated) return null;
    if (!agent.started) this.recordDelivery(unit, agent.start());
    while (agent.pendingCount > 0) {
      const d = agent.deliver(() => 0);
      if (d) this.recordDelivery(unit, d);
    }
    const op = agent.nextHook((n, what) => this.scheduler.choose(n, what));
    this.recordLeaders();
    return op ? this.runHook(agent, op) : null;
  }

  /** Every agent takes every pending watcher event now (prompt watchers; also `catchUp`). */
  private deliverEverything(): void {
    for (;;) {
      const waiting = this.agents
        .active()
        .map((u) => this.agents.get(u))
        .filter((a) => !a.started || a.pendingCount > 0);
      if (waiting.length === 0) return;
      for (const agent of waiting) {
        if (!agent.started) this.recordDelivery(agent.unit, agent.start());
        while (agent.pendingCount > 0) {
          const d = agent.deliver(() => 0);
          if (d) this.recordDelivery(agent.unit, d);
        }
      }
    }
  }

  /** Units whose agent has something left to do: watcher events to take, or hooks to run. */
  pendingUnits(): readonly string[] {
    return this.agents.active();
  }

  /** Delivers every pending watcher event to every unit agent, running no hook. */
  catchUp(): void {
    this.deliverEverything();
  }

  private recordDelivery(
    unit: string,
    d: { watcher: string; rel?: number; events?: number },
  ): void {
    const watcher = d.watcher.startsWith("relation-units:") ? "relation-units" : d.watcher;
    const record: Record<string, unknown> = {
      t: "deliver",
      seq: this.trace.nextSeq(),
      unit,
      watcher,
    };
    if (d.rel !== undefined) record.rel = d.rel;
    if (d.events !== undefined) record.events = d.events;
    this.trace.push(record as TraceRecord);
  }

  /**
   * Runs hooks until no unit has pending work (every agent caught up, none with a hook to run);
   * returns how many ran. Throws SettleLimitError after `maxHooks` (default 100,000), telling a
   * livelock or a loop from a model that is only large.
   */
  settle(options: SettleOptions = {}): number {
    const parsed = settleOptionsSchema.safeParse(options);
    if (!parsed.success) throw InputError.fromZod("settle() options", parsed.error);
    const maxHooks = parsed.data.maxHooks ?? 100_000;
    const every = parsed.data.progressEvery ?? 10_000;
    const onProgress = parsed.data.onProgress;
    let ran = 0;
    const window = new Map<string, number>();
    const windowStart = Math.max(0, maxHooks - Math.min(1000, Math.ceil(maxHooks / 2)));
    let windowSeq = -1;
    while (ran < maxHooks) {
      const record = this.step();
      if (!record) return ran;
      ran += 1;
      if (onProgress && ran % every === 0) onProgress(ran);
      if (ran > windowStart) {
        if (windowSeq < 0) windowSeq = record.seq;
        const key = `${record.unit}\u0000${record.kind}${record.rel !== undefined ? ` (relation ${record.rel})` : ""}`;
        window.set(key, (window.get(key) ?? 0) + 1);
      }
    }
    if (this.agents.active().length === 0) return ran;
    const all = [...window.entries()]
      .map(([k, count]) => {
        const [unit, hook] = k.split("\u0000") as [string, string];
        return { unit, hook, count };
      })
      .sort((a, b) => b.count - a.count || a.unit.localeCompare(b.unit));
    // Repeating: a few hooks make up the window, each several times.
    const repeating = all.length <= 10 && all.every((l) => l.count >= 3);
    let kind: SettleLimitKind = "size";
    if (repeating) {
      const changed = this.trace.records.some(
        (r) =>
          r.seq >= windowSeq &&
          (r.t === "commit" || r.t === "op" || r.t === "status" || r.t === "leader"),
      );
      kind = changed ? "loop" : "livelock";
    }
    throw new SettleLimitError(maxHooks, all.slice(0, 10), kind);
  }

  private runHook(agent: UnitAgent, op: HookOp): HookRecord {
    const unitName = agent.unit;
    const hook = op.hook;
    const unit = this.model.unit(unitName);
    const charm = this.charmOf(unit);
    const captured: Captured = agent.capture();
    const env = this.environment(agent, unit, hook);
    const outcome = dispatch(charm, env, hook, {
      deferredRelationGone: this.options.deferredRelationGone ?? "drop",
    });
    const seq = this.trace.nextSeq();
    // Built key by key, in the order of the trace schema (the JSON trace keeps this order).
    const fields: Record<string, unknown> = { t: "hook", seq, unit: unitName, kind: hook.kind };
    if ("relationId" in hook) fields.rel = hook.relationId;
    if ("remoteUnit" in hook && hook.remoteUnit !== null) fields.remote = hook.remoteUnit;
    if (hook.kind === "relation-departed") fields.departing = hook.departingUnit;
    if (hook.kind === "relation-changed" && hook.remoteUnit === null)
      fields.app = agent.local.known.get(hook.relationId)?.remoteApp ?? "";
    if (hook.kind === "action") fields.action = hook.name;
    fields.leader = env.isLeader;
    fields.ok = outcome.ok;
    if (!outcome.ok) fields.error = errorText(outcome.error);
    if ("relationId" in hook) fields.seen = agent.visibleDigest(hook.relationId, hook);
    const record = fields as HookRecord;
    this.trace.push(record);
    if (outcome.ok) {
      this.commit(agent, unit, seq, outcome.result, hook);
      agent.commitHook(op, captured);
    } else {
      this.recordLogs(unitName, outcome.logs);
      agent.failHook(op);
      const policy = this.options.onHookError ?? "error";
      if (policy !== "error") {
        agent.resolved(policy === "retry");
        this.trace.push({
          t: "resolve",
          seq: this.trace.nextSeq(),
          unit: unitName,
          hook: seq,
          retry: policy === "retry",
        });
      }
    }
    this.recordLeaders();
    return record;
  }

  private commit(
    agent: UnitAgent,
    unit: UnitRecord,
    hookSeq: number,
    result: HookResult,
    hook: Hook | null,
  ): void {
    for (const w of result.bagWrites) {
      const { before, previous, version } = this.model.commitBag(
        w.relationId,
        w.owner,
        w.data,
        unit.name,
      );
      if (w.owner === unit.app && this.model.relations.get(w.relationId)?.peer) {
        const delivery = agent.ownAppWrite(w.relationId, w.owner, previous, version);
        if (delivery) this.recordDelivery(unit.name, delivery);
      }
      const d = diff(before, w.data);
      this.trace.push({
        t: "commit",
        seq: this.trace.nextSeq(),
        unit: unit.name,
        hook: hookSeq,
        rel: w.relationId,
        owner: w.owner,
        set: d.set,
        del: d.del,
      });
    }
    let hookKind =
      hook === null
        ? null
        : hookEventKind(
            hook,
            "relationId" in hook ? agent.local.known.get(hook.relationId)?.endpoint : undefined,
          );
    for (const e of result.emitted) {
      if (!e.reemitted && e.kind === hookKind) {
        hookKind = null; // the hook's own event is the hook record
        continue;
      }
      this.trace.push({
        t: "event",
        seq: this.trace.nextSeq(),
        unit: unit.name,
        hook: hookSeq,
        kind: e.kind,
        reemitted: e.reemitted,
        data: { ...e.snapshot },
      });
    }
    this.recordLogs(unit.name, result.logs);
    if (!result.unitStatus.equals(unit.unitStatus)) {
      unit.unitStatus = result.unitStatus;
      this.recordStatus(unit.name, "unit", result.unitStatus);
    }
    const app = this.model.app(unit.app);
    if (!result.appStatus.equals(app.appStatus)) {
      app.appStatus = result.appStatus;
      this.recordStatus(unit.name, "app", result.appStatus);
    }
    unit.workloadVersion = result.workloadVersion;
    unit.storedStates = result.storedStates;
    unit.deferred = result.deferred;
  }

  private recordLogs(unit: string, logs: readonly JujuLogLine[]): void {
    if (this.options.recordLogs === false) return;
    for (const l of logs)
      this.trace.push({
        t: "log",
        seq: this.trace.nextSeq(),
        unit,
        level: l.level,
        ...(l.logger ? { logger: l.logger } : {}),
        message: l.message,
      });
  }

  private recordStatus(unit: string, target: "unit" | "app", status: Status): void {
    this.trace.push({
      t: "status",
      seq: this.trace.nextSeq(),
      unit,
      target,
      name: status.name,
      message: status.message,
    });
  }

  private lastFailedHookSeq(unit: string): number {
    for (let i = this.trace.records.length - 1; i >= 0; i--) {
      const r = this.trace.records[i];
      if (r?.t === "hook" && r.unit === unit && !r.ok) return r.seq;
    }
    return -1;
  }

  private charmOf(unit: UnitRecord): CharmClass {
    const charm = this.charms.get(unit.app);
    if (!charm) throw new ModelOperationError(`no charm for application ${unit.app}`);
    return charm;
  }

  private configOf(appName: string): Readonly<Record<string, ConfigValue>> {
    const app = this.model.app(appName);
    const cached = this.configCache.get(appName);
    if (cached && cached.version === app.configVersion) return cached.config;
    const config = configWithDefaults(app.spec.config, app.config);
    this.configCache.set(appName, { version: app.configVersion, config });
    return config;
  }

  /** The hook environment of one unit: what its agent would expose to charm code right now. */
  private environment(agent: UnitAgent, unit: UnitRecord, hook: Hook): HookEnvironment {
    return new SimHookEnvironment(
      this.model,
      agent,
      unit,
      hook,
      this.configOf(unit.app),
      this.scheduler.nextUint32(),
      this.options.external ?? NO_EXTERNALS,
    );
  }

  // ---- calling into charms ----------------------------------------------------------------

  /**
   * Calls `fn` with a fresh instance of the unit's charm in a hook-like context (no hook event,
   * no deferred re-emission). Bag writes, status and stored state are committed as after a hook;
   * if `fn` throws, nothing is committed and the error propagates. A Python charm has no
   * TypeScript object: use `execModel` for it.
   */
  exec<C extends CharmBase, T>(unitName: string, fn: (charm: C) => T): T {
    return this.runExec(unitName, (fw, unit) => {
      const charm = new (this.charmOf(unit) as unknown as CharmClass<C>)(fw);
      return fn(charm);
    });
  }

  /**
   * Calls `fn` with the unit's model, as `juju exec` runs a command on a unit: relation data
   * (`relation-set`), statuses and the like, under the same access rules as a hook, without
   * building the charm. It works for every charm, Python charms included. What `fn` wrote is
   * committed; if it throws, nothing is and the error propagates.
   */
  execModel<T>(unitName: string, fn: (model: Model) => T): T {
    return this.runExec(unitName, (fw) => fn(fw.model));
  }

  private runExec<T>(unitName: string, body: (fw: Framework, unit: UnitRecord) => T): T {
    const unit = this.model.unit(unitName);
    const agent = this.agents.get(unitName);
    if (!agent.local.installed) {
      throw new ModelOperationError(
        `unit ${unitName} has not run install yet; its charm cannot be called`,
      );
    }
    const hook: Hook = { kind: "update-status" };
    const env = this.environment(agent, unit, hook);
    const fw = new Framework(env, hook);
    const seq = this.trace.nextSeq();
    let value: T;
    try {
      value = body(fw, unit);
    } catch (error) {
      this.trace.push({ t: "exec", seq, unit: unitName, ok: false, error: errorText(error) });
      this.recordLogs(unitName, fw.logs);
      throw error;
    }
    this.trace.push({ t: "exec", seq, unit: unitName, ok: true });
    const m = fw.model;
    this.commit(
      agent,
      unit,
      seq,
      {
        bagWrites: m.bagWrites(),
        unitStatus: m.unitStatusValue,
        appStatus: m.appStatusValue,
        unitStatusHistory: m.unitStatusHistory,
        appStatusHistory: m.appStatusHistory,
        workloadVersion: m.workloadVersion,
        logs: fw.logs,
        storedStates: fw.storedStates(),
        deferred: [...unit.deferred, ...fw.deferredNotices()],
        emitted: fw.emitted,
        action: null,
      },
      null,
    );
    this.recordLeaders();
    return value;
  }

  /** Runs an action on a unit now (`juju run unit name key=value --wait`). */
  runAction(
    unitName: string,
    name: string,
    params: Readonly<Record<string, unknown>> = {},
  ): ActionRun {
    const unit = this.model.unit(unitName);
    const app = this.model.app(unit.app);
    const spec = app.spec.actions[name];
    if (!spec) throw new ModelOperationError(`${unit.app} has no action "${name}"`);
    const full = actionParamsWithDefaults(app.spec.actions, name, params);
    for (const req of spec.required) {
      if (!(req in full)) throw new ModelOperationError(`action ${name} needs param "${req}"`);
    }
    const agent = this.agents.get(unitName);
    if (!agent.local.installed)
      throw new ModelOperationError(`unit ${unitName} has not run install yet`);
    // Actions wait behind a queued hook (actionsResolver runs them only when the agent is idle
    // or in a hook error, resolved or not), so a queued hook runs first.
    const queued = agent.local.op;
    if (queued.kind === "queued") this.runHook(agent, queued.op);
    this.actionCounter += 1;
    const hook: Hook = { kind: "action", name, params, id: String(this.actionCounter) };
    const record = this.runActionHook(agent, unit, hook);
    return record;
  }

  private runActionHook(
    agent: UnitAgent,
    unit: UnitRecord,
    hook: Extract<Hook, { kind: "action" }>,
  ): ActionRun {
    const env = this.environment(agent, unit, hook);
    const outcome = dispatch(this.charmOf(unit), env, hook, {
      deferredRelationGone: this.options.deferredRelationGone ?? "drop",
    });
    const seq = this.trace.nextSeq();
    this.trace.push({
      t: "hook",
      seq,
      unit: unit.name,
      kind: "action",
      action: hook.name,
      leader: env.isLeader,
      ok: outcome.ok,
      ...(outcome.ok ? {} : { error: errorText(outcome.error) }),
    });
    if (!outcome.ok) {
      this.recordLogs(unit.name, outcome.logs);
      return { results: {}, logs: [], failure: errorText(outcome.error), error: outcome.error };
    }
    this.commit(agent, unit, seq, outcome.result, hook);
    const action = outcome.result.action ?? { results: {}, logs: [], failure: null };
    return { ...action, error: null };
  }

  // ---- inspection -------------------------------------------------------------------------

  /**
   * The content of a databag (unit or application name) in a relation; empty once the relation
   * has been removed. Throws for a relation id the model never had.
   */
  bag(relationId: number, owner: string): Databag {
    if (!this.model.relations.has(relationId))
      throw new ModelOperationError(
        `no relation ${relationId} (relations: ${[...this.model.relations.keys()].join(", ") || "none"})`,
      );
    return this.model.readBag(relationId, owner);
  }

  /** The model as `juju status --format=json` shows it. */
  status(): JujuStatus {
    return modelStatus(this);
  }

  /** One unit as `juju show-unit <unit> --format=json` shows it. */
  showUnit(unit: string): JujuShowUnit {
    return showUnitOf(this, unit);
  }

  leader(app: string): string | null {
    return this.model.app(app).leader;
  }

  /** Units of an application that are not removed, in creation order. */
  units(app: string): string[] {
    return [...this.model.app(app).units];
  }

  unitStatus(unit: string): Status {
    return this.model.unit(unit).unitStatus;
  }

  appStatus(app: string): Status {
    return this.model.app(app).appStatus;
  }

  /** Units whose last hook failed and that wait for `resolve()`. */
  unitsInError(): { unit: string; hook: Hook }[] {
    const out: { unit: string; hook: Hook }[] = [];
    for (const u of this.model.units.values()) {
      if (u.life === "removed" || !this.agents.has(u.name)) continue;
      const hook = this.agents.get(u.name).errorHook;
      if (hook) out.push({ unit: u.name, hook });
    }
    return out;
  }

  /** Throws UncaughtCharmError for the first unit in error, if any: handy at the end of a test. */
  assertNoErrors(): void {
    const first = this.unitsInError()[0];
    if (!first) return;
    const rec = [...this.trace.records]
      .reverse()
      .find((r) => r.t === "hook" && r.unit === first.unit && !r.ok);
    throw new UncaughtCharmError(
      first.hook,
      new Error(rec && rec.t === "hook" ? (rec.error ?? "") : "hook failed"),
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The ops event kind a hook emits on the charm, e.g. `certificates_relation_changed`. */
/** Event kinds by endpoint (or action name) and hook kind, built once. */
const eventKinds = new Map<string, Map<string, string>>();
function hookEventKind(hook: Hook, endpoint: string | undefined): string {
  const scope = hook.kind === "action" ? hook.name : "relationId" in hook ? (endpoint ?? "") : "";
  let byKind = eventKinds.get(scope);
  if (!byKind) {
    byKind = new Map();
    if (eventKinds.size < 4096) eventKinds.set(scope, byKind);
  }
  let kind = byKind.get(hook.kind);
  if (kind === undefined) {
    const snake = (x: string) => x.replace(/-/g, "_");
    if (hook.kind === "action") kind = `${snake(hook.name)}_action`;
    else if ("relationId" in hook) kind = `${snake(endpoint ?? "")}_${snake(hook.kind)}`;
    else kind = snake(hook.kind);
    byKind.set(hook.kind, kind);
  }
  return kind;
}
