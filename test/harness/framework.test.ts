import { describe, expect, it } from "vitest";
import { ActionFailed, Context } from "../../src/harness/context.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import { InvalidStatusError, ModelError } from "../../src/harness/ops/errors.js";
import {
  ActionEvent,
  ConfigChangedEvent,
  InstallEvent,
  LeaderElectedEvent,
  LeaderSettingsChangedEvent,
  RelationBrokenEvent,
  RelationChangedEvent,
  RelationCreatedEvent,
  RelationDepartedEvent,
  RelationJoinedEvent,
  RemoveEvent,
  StartEvent,
  StopEvent,
  UpdateStatusEvent,
  UpgradeCharmEvent,
} from "../../src/harness/ops/events.js";
import {
  DeferredRelationGoneError,
  EventBase,
  type Framework,
  FrameworkObject,
  Handle,
  ObjectEvents,
} from "../../src/harness/ops/framework.js";
import type { ContextEvent } from "../../src/model/event.js";
import type { JsonObject } from "../../src/model/json.js";
import type { CharmSpecInput } from "../../src/model/metadata.js";
import {
  DeferredEvent,
  PeerRelation,
  Relation,
  State,
  StoredState,
} from "../../src/model/state.js";
import {
  ActiveStatus,
  BlockedStatus,
  ErrorStatus,
  MaintenanceStatus,
  UnknownStatus,
  WaitingStatus,
} from "../../src/model/status.js";
import {
  charmClass,
  charmError,
  deeplyFrozen,
  expectCharmRaised,
  plain,
  type Setup,
} from "./helpers.js";

const spec: CharmSpecInput = {
  meta: {
    name: "app",
    requires: { db: { interface: "db" }, "cert-store": { interface: "certs" } },
    provides: { website: { interface: "http" } },
    peers: { cluster: { interface: "cluster" } },
  },
  actions: {
    "do-backup": {
      params: { target: { type: "string" }, retries: { type: "integer", default: 3 } },
      required: ["target"],
    },
  },
  config: { options: { port: { type: "int", default: 80 } } },
};

function context(setup: Setup, options: { deferredRelationGone?: "drop" | "error" } = {}) {
  return new Context(charmClass(setup), { ...spec, ...options });
}

// A library with its own event source, as charm libraries define them.
class CertificatesChangedEvent extends EventBase {
  certs: Set<string>;
  relationId: number;
  constructor(handle: Handle, certs: Set<string>, relationId: number) {
    super(handle);
    this.certs = certs;
    this.relationId = relationId;
  }
  override snapshot(): JsonObject {
    return { certs: [...this.certs], relation_id: this.relationId };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    const certs = snapshot.certs;
    const id = snapshot.relation_id;
    if (!Array.isArray(certs) || typeof id !== "number") throw new Error("bad snapshot");
    this.certs = new Set(certs.filter((c): c is string => typeof c === "string"));
    this.relationId = id;
  }
}

class CertificateEvents extends ObjectEvents {
  readonly certificatesChanged = this.define("certificates_changed", CertificatesChangedEvent);
}

class CertificateLib extends FrameworkObject {
  readonly on = new CertificateEvents(this);
  constructor(charm: CharmBase, key: string) {
    super(charm, key);
    this.framework.observe(charm.on.relation("cert-store").changed, (e) => {
      const raw = e.relation.data.get(e.relation.app).get("certs") ?? "[]";
      this.on.certificatesChanged.emit(new Set(JSON.parse(raw) as string[]), e.relation.id);
    });
  }
}

describe("charm.on gives every hook event", () => {
  const unitEvents: [string, (c: Context) => ContextEvent, string, unknown, boolean][] = [
    ["install", (c) => c.on.install(), "install", InstallEvent, false],
    ["start", (c) => c.on.start(), "start", StartEvent, false],
    ["stop", (c) => c.on.stop(), "stop", StopEvent, false],
    ["remove", (c) => c.on.remove(), "remove", RemoveEvent, false],
    ["update-status", (c) => c.on.updateStatus(), "update_status", UpdateStatusEvent, false],
    ["config-changed", (c) => c.on.configChanged(), "config_changed", ConfigChangedEvent, false],
    ["upgrade-charm", (c) => c.on.upgradeCharm(), "upgrade_charm", UpgradeCharmEvent, false],
    ["leader-elected", (c) => c.on.leaderElected(), "leader_elected", LeaderElectedEvent, true],
    [
      "leader-settings-changed",
      (c) => c.on.leaderSettingsChanged(),
      "leader_settings_changed",
      LeaderSettingsChangedEvent,
      false,
    ],
  ];

  for (const [hook, factory, kind, type, leader] of unitEvents) {
    it(`${hook} reaches the observer of charm.on, and only it`, () => {
      const calls: { kind: string; event: EventBase }[] = [];
      const ctx = context((charm, fw) => {
        const on = charm.on;
        const record = (k: string) => (event: EventBase) => calls.push({ kind: k, event });
        fw.observe(on.install, record("install"));
        fw.observe(on.start, record("start"));
        fw.observe(on.stop, record("stop"));
        fw.observe(on.remove, record("remove"));
        fw.observe(on.updateStatus, record("update_status"));
        fw.observe(on.configChanged, record("config_changed"));
        fw.observe(on.upgradeCharm, record("upgrade_charm"));
        fw.observe(on.leaderElected, record("leader_elected"));
        fw.observe(on.leaderSettingsChanged, record("leader_settings_changed"));
      });
      ctx.run(factory(ctx), new State({ leader }));
      expect(calls.map((c) => c.kind)).toEqual([kind]);
      expect(calls[0]?.event).toBeInstanceOf(type as typeof EventBase);
      expect(ctx.emitted.map((e) => e.kind)).toEqual([kind]);
      expect(ctx.emitted[0]?.handlePath).toBe(`TestCharm/on/${kind}[1]`);
    });
  }

  const relations = {
    db: () => new Relation({ endpoint: "db", remoteAppName: "database" }),
    website: () => new Relation({ endpoint: "website", remoteAppName: "proxy" }),
    "cert-store": () => new Relation({ endpoint: "cert-store", remoteAppName: "ca" }),
    cluster: () => new PeerRelation({ endpoint: "cluster", peersData: { 0: {} } }),
  };
  for (const [endpoint, make] of Object.entries(relations)) {
    it(`the five relation events of "${endpoint}" reach their observers`, () => {
      const calls: string[] = [];
      const types: unknown[] = [];
      const ctx = new Context(
        charmClass((charm, fw) => {
          for (const [name, events] of Object.entries(relations).map(
            ([ep]) => [ep, charm.on.relation(ep)] as const,
          )) {
            fw.observe(events.created, (e) => {
              calls.push(`${name}:created`);
              types.push(e.constructor);
            });
            fw.observe(events.joined, (e) => {
              calls.push(`${name}:joined:${e.unit?.name}`);
              types.push(e.constructor);
            });
            fw.observe(events.changed, (e) => {
              calls.push(`${name}:changed:${e.unit?.name}`);
              types.push(e.constructor);
            });
            fw.observe(events.departed, (e) => {
              calls.push(`${name}:departed:${e.unit?.name}:${e.departingUnit?.name}`);
              types.push(e.constructor);
            });
            fw.observe(events.broken, (e) => {
              calls.push(`${name}:broken`);
              types.push(e.constructor);
            });
          }
        }),
        // a peer relation lists units other than the unit under test
        { ...spec, unitId: endpoint === "cluster" ? 5 : 0 },
      );
      const rel = make();
      const state = new State({ relations: [rel] });
      const remote =
        endpoint === "cluster" ? "app/0" : `${rel.kind === "regular" ? rel.remoteAppName : ""}/0`;
      for (const event of [
        ctx.on.relationCreated(rel),
        ctx.on.relationJoined(rel),
        ctx.on.relationChanged(rel),
        ctx.on.relationDeparted(rel),
        ctx.on.relationBroken(rel),
      ]) {
        ctx.run(event, state);
      }
      expect(calls).toEqual([
        `${endpoint}:created`,
        `${endpoint}:joined:${remote}`,
        `${endpoint}:changed:${remote}`,
        `${endpoint}:departed:${remote}:${remote}`,
        `${endpoint}:broken`,
      ]);
      expect(types).toEqual([
        RelationCreatedEvent,
        RelationJoinedEvent,
        RelationChangedEvent,
        RelationDepartedEvent,
        RelationBrokenEvent,
      ]);
      const snake = endpoint.replace(/-/g, "_");
      expect(ctx.emitted.map((e) => e.kind)).toEqual([`${snake}_relation_broken`]);
    });
  }

  it("actions reach the observer of their action event", () => {
    let seen: ActionEvent | undefined;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.action("do-backup"), (e) => {
        seen = e;
      });
    });
    ctx.run(ctx.on.action("do-backup", { params: { target: "s3" }, id: "42" }), new State());
    expect(seen).toBeInstanceOf(ActionEvent);
    expect(seen?.id).toBe("42");
    expect(ctx.emitted.map((e) => e.kind)).toEqual(["do_backup_action"]);
  });

  it("an endpoint or action not in metadata has no events", () => {
    const endpoint = context((charm) => {
      charm.on.relation("nope");
    });
    expectCharmRaised(() => endpoint.run(endpoint.on.install(), new State()), ModelError, /nope/);
    const action = context((charm) => {
      charm.on.action("nope");
    });
    expectCharmRaised(() => action.run(action.on.install(), new State()), ModelError, /nope/);
  });

  it("an event with no observer is still recorded as emitted", () => {
    const ctx = context(() => {});
    ctx.run(ctx.on.start(), new State());
    expect(ctx.emitted.map((e) => e.kind)).toEqual(["start"]);
  });
});

describe("observe", () => {
  it("calls observers in registration order, across charm and library objects", () => {
    const order: string[] = [];
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => order.push("first"));
      const lib = new CertificateLib(charm, "certs");
      fw.observe(charm.on.install, () => order.push("second"));
      fw.observe(lib.on.certificatesChanged, () => order.push("never"));
      fw.observe(charm.on.start, () => order.push("not this hook"));
      fw.observe(charm.on.install, () => order.push("third"));
    });
    ctx.run(ctx.on.install(), new State());
    expect(order).toEqual(["first", "second", "third"]);
  });
});

describe("custom events on library objects", () => {
  const ca = () =>
    new Relation({
      endpoint: "cert-store",
      remoteAppName: "ca",
      remoteAppData: { certs: JSON.stringify(["A", "B"]) },
    });

  it("a library emits a typed event that the charm observes, delivered at once", () => {
    const order: string[] = [];
    let payload: { certs: Set<string>; relationId: number } | undefined;
    const ctx = context((charm, fw) => {
      const lib = new CertificateLib(charm, "certs");
      fw.observe(lib.on.certificatesChanged, (e) => {
        order.push("custom");
        payload = { certs: e.certs, relationId: e.relationId };
      });
      fw.observe(charm.on.relation("cert-store").changed, () => order.push("charm's changed"));
    });
    const rel = ca();
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(payload).toEqual({ certs: new Set(["A", "B"]), relationId: rel.id });
    // the library observed first, so its custom event ran before the charm's own handler
    expect(order).toEqual(["custom", "charm's changed"]);
    expect(ctx.emitted.map((e) => [e.kind, e.handlePath])).toEqual([
      ["cert_store_relation_changed", "TestCharm/on/cert_store_relation_changed[1]"],
      ["certificates_changed", "TestCharm/CertificateLib[certs]/on/certificates_changed[2]"],
    ]);
    expect(ctx.emittedEvents.map((e) => e.constructor)).toEqual([
      RelationChangedEvent,
      CertificatesChangedEvent,
    ]);
    expect(ctx.emitted[1]?.snapshot).toEqual({ certs: ["A", "B"], relation_id: rel.id });
  });

  it("two objects claiming the same handle path are refused", () => {
    const ctx = context((charm) => {
      new CertificateLib(charm, "same");
      new CertificateLib(charm, "same");
    });
    expectCharmRaised(() => ctx.run(ctx.on.install(), new State()), TypeError, /distinct keys/);
    const fine = context((charm) => {
      new CertificateLib(charm, "one");
      new CertificateLib(charm, "two");
    });
    fine.run(fine.on.install(), new State());
  });

  it("a duplicate is refused even when another hook's framework registers in between", () => {
    const inner = context((charm) => {
      new CertificateLib(charm, "same");
    });
    const ctx = context((charm) => {
      new CertificateLib(charm, "same");
      inner.run(inner.on.install(), new State()); // another framework claims the same paths
      new CertificateLib(charm, "same");
    });
    expectCharmRaised(() => ctx.run(ctx.on.install(), new State()), TypeError, /distinct keys/);
    const fine = context((charm) => {
      new CertificateLib(charm, "one");
      inner.run(inner.on.install(), new State());
      new CertificateLib(charm, "two");
    });
    fine.run(fine.on.install(), new State());
  });

  it("a duplicate is refused on an emitter with more event kinds than the shared table keeps", () => {
    class ManyEvents extends ObjectEvents {
      defineMany(count: number, again: string | null): void {
        for (let i = 0; i < count; i++) this.define(`kind_${i}`, CertificatesChangedEvent);
        if (again !== null) this.define(again, CertificatesChangedEvent);
      }
    }
    class ManyLib extends FrameworkObject {
      readonly on = new ManyEvents(this);
    }
    const over = (again: string | null) =>
      context((charm) => {
        new ManyLib(charm, "many").on.defineMany(4200, again);
      });
    const dup = over("kind_4150");
    expectCharmRaised(() => dup.run(dup.on.install(), new State()), TypeError, /distinct keys/);
    const early = over("kind_3");
    expectCharmRaised(() => early.run(early.on.install(), new State()), TypeError, /distinct keys/);
    const fine = over(null);
    fine.run(fine.on.install(), new State());
  });

  it("event kinds must be snake_case", () => {
    class BadEvents extends ObjectEvents {
      readonly camel = this.define("certificatesChanged", CertificatesChangedEvent);
    }
    class BadLib extends FrameworkObject {
      readonly on = new BadEvents(this);
    }
    const ctx = context((charm) => {
      new BadLib(charm, null);
    });
    expectCharmRaised(() => ctx.run(ctx.on.install(), new State()), TypeError, /snake_case/);
  });
});

describe("defer", () => {
  it("a deferred event is stored in the output State and re-emitted first on the next run", () => {
    const calls: string[] = [];
    let deferInstall = true;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, (e) => {
        calls.push("install");
        if (deferInstall) e.defer();
      });
      fw.observe(charm.on.updateStatus, () => calls.push("update-status"));
    });
    const first = ctx.run(ctx.on.install(), new State());
    expect(first.deferred).toHaveLength(1);
    expect(first.deferred[0]).toBeInstanceOf(DeferredEvent);
    expect(first.deferred[0]?.handlePath).toBe("TestCharm/on/install[1]");
    expect(first.deferred[0]?.kind).toBe("install");

    // re-deferral keeps it
    calls.length = 0;
    const second = ctx.run(ctx.on.updateStatus(), first);
    expect(calls).toEqual(["install", "update-status"]);
    expect(ctx.emitted.map((e) => [e.kind, e.reemitted])).toEqual([
      ["install", true],
      ["update_status", false],
    ]);
    expect(second.deferred.map((d) => d.handlePath)).toEqual(["TestCharm/on/install[1]"]);

    // handled: removed
    deferInstall = false;
    calls.length = 0;
    const third = ctx.run(ctx.on.updateStatus(), second);
    expect(calls).toEqual(["install", "update-status"]);
    expect(third.deferred).toEqual([]);

    // nothing left to re-emit
    calls.length = 0;
    ctx.run(ctx.on.updateStatus(), third);
    expect(calls).toEqual(["update-status"]);
  });

  it("several deferred events are re-emitted in the order deferred; new deferrals follow", () => {
    const calls: string[] = [];
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, (e) => {
        calls.push("install");
        e.defer();
      });
      fw.observe(charm.on.configChanged, (e) => {
        calls.push("config-changed");
        e.defer();
      });
      fw.observe(charm.on.start, (e) => {
        calls.push("start");
        e.defer();
      });
    });
    const a = ctx.run(ctx.on.install(), new State());
    const b = ctx.run(ctx.on.configChanged(), a);
    calls.length = 0;
    const c = ctx.run(ctx.on.start(), b);
    expect(calls).toEqual(["install", "config-changed", "start"]);
    expect(c.deferred.map((d) => d.kind)).toEqual(["install", "config_changed", "start"]);
    expect(new Set(c.deferred.map((d) => d.handlePath)).size).toBe(3);
  });

  it("only the observer that deferred gets the event again", () => {
    const calls: string[] = [];
    let deferring = true;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => calls.push("a"));
      fw.observe(charm.on.install, (e) => {
        calls.push("b");
        if (deferring) e.defer();
      });
    });
    const out = ctx.run(ctx.on.install(), new State());
    expect(out.deferred.map((d) => d.observer)).toEqual(["TestCharm/on/install#1"]);
    calls.length = 0;
    deferring = false;
    ctx.run(ctx.on.updateStatus(), out);
    expect(calls).toEqual(["b"]);
  });

  it("a re-emitted relation event has the same relation, app, unit and departing unit", () => {
    const rel = new Relation({
      endpoint: "db",
      remoteAppName: "database",
      remoteUnitsData: { 0: { k: "v" }, 3: {} },
    });
    const seen: unknown[] = [];
    let defer = true;
    const ctx = context((charm, fw) => {
      const rec = (e: RelationDepartedEvent | RelationChangedEvent) => {
        seen.push({
          type: e.constructor.name,
          relation: [e.relation.name, e.relation.id, e.relation.active],
          app: e.app?.name,
          unit: e.unit?.name,
          departing: e instanceof RelationDepartedEvent ? e.departingUnit?.name : undefined,
          sameRelation: e.relation === charm.model.getRelation("db", rel.id),
        });
        if (defer) e.defer();
      };
      fw.observe(charm.on.relation("db").changed, rec);
      fw.observe(charm.on.relation("db").departed, rec);
    });
    const state = new State({ relations: [rel] });
    const a = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 3 }), state);
    const b = ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "app/0" }), a);
    expect(b.deferred.map((d) => d.kind)).toEqual(["db_relation_changed", "db_relation_departed"]);
    // in the departed run, the deferred changed event came back first, unchanged
    expect(seen).toHaveLength(3);
    expect(seen[1]).toEqual(seen[0]);
    const originals = [seen[0], seen[2]];
    defer = false;
    seen.length = 0;
    ctx.run(ctx.on.updateStatus(), b);
    expect(seen).toEqual(originals);
    expect(b.deferred).toHaveLength(2);
  });

  it("a re-emitted custom event restores its payload, a Set included", () => {
    const rel = new Relation({
      endpoint: "cert-store",
      remoteAppName: "ca",
      remoteAppData: { certs: JSON.stringify(["X", "Y", "Z"]) },
    });
    const payloads: { certs: Set<string>; relationId: number; type: unknown }[] = [];
    let defer = true;
    const ctx = context((charm, fw) => {
      const lib = new CertificateLib(charm, "certs");
      fw.observe(lib.on.certificatesChanged, (e) => {
        payloads.push({ certs: e.certs, relationId: e.relationId, type: e.constructor });
        if (defer) e.defer();
      });
    });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(out.deferred.map((d) => [d.handlePath, d.snapshot])).toEqual([
      [
        "TestCharm/CertificateLib[certs]/on/certificates_changed[2]",
        { certs: ["X", "Y", "Z"], relation_id: rel.id },
      ],
    ]);
    defer = false;
    ctx.run(ctx.on.updateStatus(), out);
    expect(payloads).toHaveLength(2);
    expect(payloads[1]).toEqual(payloads[0]);
    expect(payloads[1]?.certs).toBeInstanceOf(Set);
    expect(ctx.emitted.map((e) => [e.kind, e.reemitted])).toEqual([
      ["certificates_changed", true],
      ["update_status", false],
    ]);
  });

  it("new events after a re-emission get fresh handle paths", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, (e) => e.defer());
      fw.observe(charm.on.start, (e) => e.defer());
    });
    const a = ctx.run(ctx.on.install(), new State());
    const b = ctx.run(ctx.on.start(), a);
    expect(b.deferred.map((d) => d.handlePath)).toEqual([
      "TestCharm/on/install[1]",
      "TestCharm/on/start[2]",
    ]);
  });

  it("a deferred relation event whose relation is gone is dropped", () => {
    const rel = new Relation({ endpoint: "db" });
    const calls: string[] = [];
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").changed, (e) => {
        calls.push("changed");
        e.defer();
      });
      fw.observe(charm.on.updateStatus, () => calls.push("update-status"));
    });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(out.deferred).toHaveLength(1);
    calls.length = 0;
    const after = ctx.run(ctx.on.updateStatus(), out.with({ relations: [] }));
    expect(calls).toEqual(["update-status"]);
    expect(after.deferred).toEqual([]);
    expect(ctx.emitted.map((e) => e.kind)).toEqual(["update_status"]);
    expect(
      ctx.jujuLog.some((l) => l.level === "DEBUG" && /dropping deferred/.test(l.message)),
    ).toBe(true);
    // while the relation is still there, it is re-emitted
    calls.length = 0;
    ctx.run(ctx.on.updateStatus(), out);
    expect(calls).toEqual(["changed", "update-status"]);
  });

  it('with deferredRelationGone: "error", a deferred event whose relation is gone fails the run', () => {
    const rel = new Relation({ endpoint: "db" });
    const ctx = context(
      (charm, fw) => {
        fw.observe(charm.on.relation("db").changed, (e) => e.defer());
      },
      { deferredRelationGone: "error" },
    );
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    const err = charmError(() => ctx.run(ctx.on.updateStatus(), out.with({ relations: [] })));
    expect(err.cause).toBeInstanceOf(DeferredRelationGoneError);
    expect((err.cause as Error).message).toMatch(`db:${rel.id}`);
    // with the relation present it runs fine
    ctx.run(ctx.on.updateStatus(), out);
  });

  it("actions cannot be deferred", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.action("do-backup"), (e) => e.defer());
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.action("do-backup", { params: { target: "x" } }), new State()),
      ModelError,
      /cannot be deferred/,
    );
  });
});

describe("stored state", () => {
  it("survives across runs through State.storedStates", () => {
    const ctx = context((charm, fw) => {
      const stored = fw.storedState(charm, "_stored", { count: 0 });
      fw.observe(charm.on.updateStatus, () => {
        stored.count += 1;
      });
    });
    let state = new State();
    for (let i = 0; i < 3; i++) state = ctx.run(ctx.on.updateStatus(), state);
    expect(state.storedStates).toHaveLength(1);
    expect(state.getStoredState("_stored", "TestCharm")?.content).toEqual({ count: 3 });
  });

  it("the defaults object is copied: a charm may share one constant across hooks", () => {
    const DEFAULTS = { list: [] as string[], nested: { n: 0 } };
    const ctx = context((charm, fw) => {
      const stored = fw.storedState(charm, "_stored", DEFAULTS);
      fw.observe(charm.on.install, () => {
        stored.list.push("x");
        stored.nested.n += 1;
      });
    });
    const first = ctx.run(ctx.on.install(), new State());
    const second = ctx.run(ctx.on.install(), new State());
    expect(DEFAULTS).toEqual({ list: [], nested: { n: 0 } });
    for (const out of [first, second]) {
      expect(out.getStoredState("_stored")?.content).toEqual({ list: ["x"], nested: { n: 1 } });
    }
  });

  it("defaults fill keys the saved content lacks; saved values win", () => {
    let seen: unknown;
    const ctx = context((charm, fw) => {
      const stored = fw.storedState(charm, "_stored", { count: 0, label: "fresh" });
      fw.observe(charm.on.install, () => {
        seen = { ...stored };
      });
    });
    const state = new State({
      storedStates: [
        new StoredState({ ownerPath: "TestCharm", name: "_stored", content: { count: 7 } }),
      ],
    });
    const out = ctx.run(ctx.on.install(), state);
    expect(seen).toEqual({ count: 7, label: "fresh" });
    expect(out.getStoredState("_stored")?.content).toEqual({ count: 7, label: "fresh" });
  });

  it("library objects keep their own stored state; untouched entries are kept", () => {
    const ctx = context((charm, fw) => {
      const lib = new CertificateLib(charm, "certs");
      const stored = fw.storedState(lib, "seen", { certs: [] as string[] });
      fw.observe(lib.on.certificatesChanged, (e) => {
        stored.certs = [...e.certs];
      });
    });
    const rel = new Relation({
      endpoint: "cert-store",
      remoteAppData: { certs: JSON.stringify(["A"]) },
    });
    const other = new StoredState({ ownerPath: "Elsewhere", name: "x", content: { y: 1 } });
    const out = ctx.run(
      ctx.on.relationChanged(rel),
      new State({ relations: [rel], storedStates: [other] }),
    );
    expect(out.storedStates.map((s) => [s.ownerPath, s.name, s.content])).toEqual([
      ["Elsewhere", "x", { y: 1 }],
      ["TestCharm/CertificateLib[certs]", "seen", { certs: ["A"] }],
    ]);
  });

  it("content that is not JSON fails the hook", () => {
    const ctx = context((charm, fw) => {
      const stored = fw.storedState<Record<string, unknown>>(charm, "_stored", {});
      fw.observe(charm.on.install, () => {
        stored.members = new Set(["a"]);
      });
    });
    expectCharmRaised(() => ctx.run(ctx.on.install(), new State()), TypeError, /not JSON/);
    const fine = context((charm, fw) => {
      const stored = fw.storedState<Record<string, unknown>>(charm, "_stored", {});
      fw.observe(charm.on.install, () => {
        stored.members = ["a"];
      });
    });
    expect(fine.run(fine.on.install(), new State()).getStoredState("_stored")?.content).toEqual({
      members: ["a"],
    });
  });

  it("a key set to undefined is dropped; the committed content is frozen and is the next hook's to copy", () => {
    const ctx = context((charm, fw) => {
      const stored = fw.storedState<Record<string, unknown>>(charm, "_stored", { n: 0 });
      fw.observe(charm.on.install, () => {
        stored.n = (stored.n as number) + 1;
        stored.gone = undefined;
        stored.list = [1];
      });
      fw.observe(charm.on.start, () => {
        (stored.list as number[]).push(2); // the saved content is frozen; this is a fresh copy
        stored.n = (stored.n as number) + 1;
      });
    });
    const first = ctx.run(ctx.on.install(), new State());
    const saved = first.getStoredState("_stored")?.content;
    expect(saved).toEqual({ n: 1, list: [1] });
    expect(saved && "gone" in saved).toBe(false);
    expect(deeplyFrozen(saved)).toBe(true);
    const second = ctx.run(ctx.on.start(), first);
    expect(second.getStoredState("_stored")?.content).toEqual({ n: 2, list: [1, 2] });
    expect(saved).toEqual({ n: 1, list: [1] });
  });

  it("values the charm keeps for itself are committed as copies, never frozen", () => {
    const seen: string[] = []; // the charm's own list, outliving every hook
    const ctx = context((charm, fw) => {
      const stored = fw.storedState<Record<string, unknown>>(charm, "_stored", {});
      fw.observe(charm.on.install, () => {
        seen.push("install");
        stored.seen = seen;
      });
      fw.observe(charm.on.start, () => {
        seen.push("start"); // would throw if committing had frozen it
      });
    });
    const first = ctx.run(ctx.on.install(), new State());
    const second = ctx.run(ctx.on.start(), first);
    seen.push("after");
    expect(Object.isFrozen(seen)).toBe(false);
    expect(second.getStoredState("_stored")?.content).toEqual({ seen: ["install"] });
  });

  describe("content saved by an earlier hook", () => {
    const saved = () =>
      new State({
        storedStates: [
          new StoredState({
            ownerPath: "TestCharm",
            name: "_stored",
            content: { n: 1, byRelation: { "3": ["a", "b"] }, list: [1], tag: "t" },
          }),
        ],
      });
    const content = (state: State) => state.getStoredState("_stored")?.content ?? {};

    it("a hook that never touches a saved object commits it unchanged, in its key order", () => {
      const ctx = context((charm, fw) => {
        const stored = fw.storedState(charm, "_stored", { n: 0 });
        fw.observe(charm.on.install, () => {
          stored.n += 1;
        });
      });
      const before = saved();
      const after = ctx.run(ctx.on.install(), before);
      expect(content(after)).toEqual({
        n: 2,
        byRelation: { "3": ["a", "b"] },
        list: [1],
        tag: "t",
      });
      expect(Object.keys(content(after))).toEqual(["n", "byRelation", "list", "tag"]);
      expect(deeplyFrozen(content(after))).toBe(true);
    });

    it("reading a saved object hands the charm its own copy; its changes are committed, the input kept", () => {
      const ctx = context((charm, fw) => {
        const stored = fw.storedState<{ byRelation: Record<string, string[]>; list: number[] }>(
          charm,
          "_stored",
          { byRelation: {}, list: [] },
        );
        fw.observe(charm.on.install, () => {
          expect(Object.isFrozen(stored.byRelation)).toBe(false);
          stored.byRelation["4"] = ["c"];
          stored.list.push(2);
          expect(stored.list).toEqual([1, 2]); // the same copy on every read
        });
      });
      const before = saved();
      const after = ctx.run(ctx.on.install(), before);
      expect(content(after)).toEqual({
        byRelation: { "3": ["a", "b"], "4": ["c"] },
        list: [1, 2],
        n: 1,
        tag: "t",
      });
      expect(content(before)).toEqual({
        n: 1,
        byRelation: { "3": ["a", "b"] },
        list: [1],
        tag: "t",
      });
      expect(deeplyFrozen(content(after))).toBe(true);
    });

    it("assigning, deleting and re-adding a saved key without reading it", () => {
      const ctx = context((charm, fw) => {
        const stored = fw.storedState<Record<string, unknown>>(charm, "_stored", {});
        fw.observe(charm.on.install, () => {
          stored.byRelation = { "9": ["z"] };
          delete stored.list;
          delete stored.tag;
          stored.tag = "new";
        });
      });
      const after = ctx.run(ctx.on.install(), saved());
      expect(content(after)).toEqual({ n: 1, byRelation: { "9": ["z"] }, tag: "new" });
    });

    it("what the charm sees of the content is the saved content: keys, spread, JSON", () => {
      const seen: unknown[] = [];
      const ctx = context((charm, fw) => {
        const stored = fw.storedState<Record<string, unknown>>(charm, "_stored", { first: true });
        fw.observe(charm.on.install, () => {
          seen.push(Object.keys(stored), JSON.parse(JSON.stringify(stored)), { ...stored });
          seen.push("list" in stored, Object.entries(stored).length);
        });
      });
      ctx.run(ctx.on.install(), saved());
      const all = { first: true, n: 1, byRelation: { "3": ["a", "b"] }, list: [1], tag: "t" };
      expect(seen).toEqual([Object.keys(all), all, all, true, 5]);
    });

    it("a value that is not JSON put into a saved key is named by its path", () => {
      const ctx = context((charm, fw) => {
        const stored = fw.storedState<{ byRelation: Record<string, unknown> }>(charm, "_stored", {
          byRelation: {},
        });
        fw.observe(charm.on.install, () => {
          stored.byRelation["3"] = new Set(["a"]);
        });
      });
      expect(() => ctx.run(ctx.on.install(), saved())).toThrow(
        /stored state TestCharm\._stored\.byRelation\.3 is a Set, which is not JSON; stored state must hold JSON values/,
      );
    });
  });

  it("changes in a hook that raised are not kept", () => {
    const ctx = context((charm, fw) => {
      const stored = fw.storedState(charm, "_stored", { count: 0 });
      fw.observe(charm.on.install, () => {
        stored.count = 99;
        throw new Error("no");
      });
    });
    const state = new State({
      storedStates: [
        new StoredState({ ownerPath: "TestCharm", name: "_stored", content: { count: 1 } }),
      ],
    });
    charmError(() => ctx.run(ctx.on.install(), state));
    expect(state.getStoredState("_stored")?.content).toEqual({ count: 1 });
  });
});

describe("statuses", () => {
  it("unit status: the last one is in the output, earlier ones in unitStatusHistory", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        expect(charm.unit.status).toEqual(new WaitingStatus("before"));
        charm.unit.status = new MaintenanceStatus("installing");
        charm.unit.status = new BlockedStatus("need db");
        charm.unit.status = new ActiveStatus();
      });
    });
    const out = ctx.run(ctx.on.install(), new State({ unitStatus: new WaitingStatus("before") }));
    expect(out.unitStatus).toEqual(new ActiveStatus());
    expect(ctx.unitStatusHistory).toEqual([
      new WaitingStatus("before"),
      new MaintenanceStatus("installing"),
      new BlockedStatus("need db"),
    ]);
  });

  it("app status is the leader's to read and set", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        expect(charm.app.status).toEqual(new UnknownStatus());
        charm.app.status = new ActiveStatus("serving");
      });
    });
    const out = ctx.run(ctx.on.install(), new State({ leader: true }));
    expect(out.appStatus).toEqual(new ActiveStatus("serving"));
    expect(ctx.appStatusHistory).toEqual([new UnknownStatus()]);
  });

  it("a non-leader can neither set nor read app status", () => {
    const set = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        charm.app.status = new ActiveStatus();
      });
    });
    expectCharmRaised(
      () => set.run(set.on.install(), new State({ leader: false })),
      ModelError,
      /non-leader/,
    );
    const read = context((charm, fw) => {
      fw.observe(charm.on.install, () => charm.app.status);
    });
    expectCharmRaised(
      () => read.run(read.on.install(), new State({ leader: false })),
      ModelError,
      /non-leader/,
    );
  });

  it("a charm cannot set error or unknown status", () => {
    for (const status of [new ErrorStatus("x"), new UnknownStatus()]) {
      const ctx = context((charm, fw) => {
        fw.observe(charm.on.install, () => {
          charm.unit.status = status;
        });
      });
      expectCharmRaised(() => ctx.run(ctx.on.install(), new State()), InvalidStatusError);
    }
  });

  it("the workload version reaches the output State", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.start, () => charm.unit.setWorkloadVersion("1.2.3"));
    });
    expect(ctx.run(ctx.on.start(), new State()).workloadVersion).toBe("1.2.3");
  });
});

describe("juju-log", () => {
  it("captures every level, in order, with the logger's name (charm, or the module's)", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        fw.logger.debug("d");
        fw.logger.info("i");
        fw.getLogger("lib").warning("w");
        fw.logger.error("e");
        fw.logger.critical("c");
      });
    });
    ctx.run(ctx.on.install(), new State());
    expect(ctx.jujuLog).toEqual([
      { level: "DEBUG", logger: "charm", message: "d" },
      { level: "INFO", logger: "charm", message: "i" },
      { level: "WARNING", logger: "lib", message: "w" },
      { level: "ERROR", logger: "charm", message: "e" },
      { level: "CRITICAL", logger: "charm", message: "c" },
    ]);
  });

  it("keeps the lines logged before a hook raised, and starts afresh on each run", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        fw.logger.info("about to fail");
        throw new Error("x");
      });
      fw.observe(charm.on.start, () => {});
    });
    charmError(() => ctx.run(ctx.on.install(), new State()));
    expect(ctx.jujuLog).toEqual([{ level: "INFO", logger: "charm", message: "about to fail" }]);
    ctx.run(ctx.on.start(), new State());
    expect(ctx.jujuLog).toEqual([]);
  });
});

describe("actions", () => {
  it("params get their defaults; results merge into ctx.actionResults; logs are kept", () => {
    let params: unknown;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.action("do-backup"), (e) => {
        params = e.params;
        e.log("starting");
        e.setResults({ a: 1 });
        e.setResults({ b: "two" });
        e.log("done");
      });
    });
    const out = ctx.run(ctx.on.action("do-backup", { params: { target: "s3" } }), new State());
    expect(out).toBeInstanceOf(State);
    expect(params).toEqual({ target: "s3", retries: 3 });
    expect(Object.isFrozen(params)).toBe(true);
    expect(ctx.actionResults).toEqual({ a: 1, b: "two" });
    expect(ctx.actionLogs).toEqual(["starting", "done"]);

    ctx.run(ctx.on.action("do-backup", { params: { target: "s3", retries: 9 } }), new State());
    expect(params).toEqual({ target: "s3", retries: 9 });
    ctx.run(ctx.on.install(), new State());
    // Scenario's action_results is None unless the action set results.
    expect(ctx.actionResults).toBeUndefined();
  });

  it("fail() raises ActionFailed with the message and the output State", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.action("do-backup"), (e) => {
        charm.unit.status = new BlockedStatus("backup failed");
        e.setResults({ partial: true });
        e.fail("disk full");
      });
    });
    let failure: unknown;
    try {
      ctx.run(ctx.on.action("do-backup", { params: { target: "s3" } }), new State());
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(ActionFailed);
    const f = failure as ActionFailed;
    expect(f.message).toBe("disk full");
    expect(f.state).toBeInstanceOf(State);
    expect(f.state.unitStatus).toEqual(new BlockedStatus("backup failed"));
    expect(ctx.actionResults).toEqual({ partial: true });
  });

  it("an action that completes without fail() does not raise", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.action("do-backup"), (e) => e.setResults({ ok: true }));
    });
    expect(() =>
      ctx.run(ctx.on.action("do-backup", { params: { target: "s3" } }), new State()),
    ).not.toThrow();
  });
});

describe("ctx.emittedEvents", () => {
  it("lists re-emitted, hook and custom events in the order they reached observers", () => {
    const rel = new Relation({
      endpoint: "cert-store",
      remoteAppData: { certs: JSON.stringify(["A"]) },
    });
    let deferStart = true;
    const ctx = context((charm, fw) => {
      const lib = new CertificateLib(charm, "certs");
      fw.observe(lib.on.certificatesChanged, () => {});
      fw.observe(charm.on.start, (e) => {
        if (deferStart) e.defer();
      });
    });
    const a = ctx.run(ctx.on.start(), new State({ relations: [rel] }));
    deferStart = false;
    ctx.run(ctx.on.relationChanged(rel), a);
    expect(ctx.emittedEvents.map((e) => e.constructor)).toEqual([
      StartEvent,
      RelationChangedEvent,
      CertificatesChangedEvent,
    ]);
    expect(ctx.emitted.map((e) => [e.kind, e.reemitted])).toEqual([
      ["start", true],
      ["cert_store_relation_changed", false],
      ["certificates_changed", false],
    ]);
  });

  it("is reset before every run, even one refused as inconsistent", () => {
    const ctx = context(() => {});
    ctx.run(ctx.on.install(), new State());
    expect(ctx.emittedEvents).toHaveLength(1);
    expect(() => ctx.run(ctx.on.leaderElected(), new State({ leader: false }))).toThrow();
    expect(ctx.emittedEvents).toEqual([]);
  });

  it("is kept after a hook that raised", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        throw new Error("x");
      });
    });
    charmError(() => ctx.run(ctx.on.install(), new State()));
    expect(ctx.emittedEvents.map((e) => e.constructor)).toEqual([InstallEvent]);
  });
});

describe("plain() helper sanity", () => {
  it("renders equal States equally", () => {
    expect(plain(new State())).toEqual(plain(new State()));
  });
});

class ExampleCharm extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    fw.observe(this.on.install, () => {
      this.unit.status = new ActiveStatus();
    });
  }
}

describe("a charm written as a class", () => {
  it("runs", () => {
    const ctx = new Context(ExampleCharm, spec);
    expect(ctx.run(ctx.on.install(), new State()).unitStatus).toEqual(new ActiveStatus());
  });
});

describe("handle paths", () => {
  it("keyed, unkeyed and counter keys each give their own path under one parent", () => {
    const root = new Handle(null, "Charm", null);
    expect(root.path).toBe("Charm");
    expect(new Handle(root, "Lib", null).path).toBe("Charm/Lib");
    expect(new Handle(root, "Lib", "a").path).toBe("Charm/Lib[a]");
    expect(new Handle(root, "Lib", "b").path).toBe("Charm/Lib[b]");
    expect(new Handle(root, "Lib", "7").path).toBe("Charm/Lib[7]");
    // asked again (interned paths), the answers are the same
    expect(new Handle(root, "Lib", "a").path).toBe("Charm/Lib[a]");
    expect(new Handle(root, "Lib", null).path).toBe("Charm/Lib");
    expect(new Handle(null, "Top", "k").path).toBe("Top[k]");
  });

  it("a kind spelled like the keyed slot does not disturb keyed paths", () => {
    const root = new Handle(null, "Odd", null);
    expect(new Handle(root, "X[]", null).path).toBe("Odd/X[]");
    expect(new Handle(root, "X", "k").path).toBe("Odd/X[k]");
    expect(new Handle(root, "X[]", null).path).toBe("Odd/X[]");
    expect(new Handle(root, "X", "j").path).toBe("Odd/X[j]");
  });
});

describe("observe (event sources)", () => {
  it("refuses an event source of another framework (a hook's objects do not outlive it)", () => {
    let stale: CharmBase["on"]["install"] | undefined;
    const first = context((charm) => {
      stale = charm.on.install;
    });
    first.run(first.on.install(), new State());
    const second = context((_charm, fw) => {
      if (stale) fw.observe(stale, () => {});
    });
    expectCharmRaised(
      () => second.run(second.on.install(), new State()),
      TypeError,
      /not an event source of this framework/,
    );
  });
});
