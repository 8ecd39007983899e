/**
 * What Scenario gives a unit test and upstream's own tests rely on: log lines with their logger
 * name (pytest's caplog), `ctx(event, state)` as a manager that hands over the charm before the
 * event, `action_results` that stay None when an action set none, and unit databags that start
 * with the keys Juju writes into them.
 */
import { describe, expect, it } from "vitest";
import {
  V1ProviderCharm,
  V1RequirerCharm,
  v1ProviderMetadata,
  v1RequirerMetadata,
} from "../../src/charms/certificate-transfer/index.js";
import { Context, UncaughtCharmError } from "../../src/harness/context.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import { DeferredEvent, PeerRelation } from "../../src/index.js";
import { LOGGER_NAME as V0_LOGGER } from "../../src/libs/certificate-transfer/v0.js";
import { LOGGER_NAME as V1_LOGGER } from "../../src/libs/certificate-transfer/v1.js";
import {
  DEFAULT_JUJU_DATABAG,
  Relation,
  State,
  SubordinateRelation,
} from "../../src/model/state.js";
import { fixtureClientCerts } from "../../src/pki/fixtures.js";

const PEMS = fixtureClientCerts()
  .slice(0, 2)
  .map((c) => c.certPem);

describe("log lines carry the logger name", () => {
  it("a library logs under its Python module name, as caplog shows it", () => {
    expect(V1_LOGGER).toBe("charms.certificate_transfer_interface.v1.certificate_transfer");
    expect(V0_LOGGER).toBe("charms.certificate_transfer_interface.v0.certificate_transfer");
    const ctx = new Context(V1ProviderCharm, v1ProviderMetadata);
    const rel = new Relation({ endpoint: "certificates", remoteAppData: { version: "1" } });
    ctx.run(ctx.on.relationJoined(rel), new State({ relations: [rel] }));
    expect(ctx.jujuLog).toEqual([
      {
        level: "WARNING",
        logger: V1_LOGGER,
        message: "Only the leader unit can add certificates to this relation",
      },
    ]);
  });

  it("charm code logs as `charm`; the framework's own lines as `ops.framework`", () => {
    class Logs extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.start, () => fw.logger.info("started"));
      }
    }
    const ctx = new Context(Logs, { meta: { name: "logs" } });
    // A deferred event nothing observes any more is dropped, with a debug line from the framework.
    const stale = new DeferredEvent({
      handlePath: "Logs/on/update_status[1]",
      owner: "Logs",
      observer: "Logs/on/update_status#0",
    });
    ctx.run(ctx.on.start(), new State({ deferred: [stale] }));
    expect(ctx.jujuLog.map((l) => [l.level, l.logger])).toEqual([
      ["DEBUG", "ops.framework"],
      ["INFO", "charm"],
    ]);
  });
});

describe("ctx.manager(event, state): the charm before the event, then the event", () => {
  const relation = () =>
    new Relation({
      endpoint: "certificates",
      remoteAppData: { certificates: JSON.stringify(PEMS), version: "1" },
    });

  it("hands over the constructed charm, so a test can call the library as upstream's tests do", () => {
    const ctx = new Context(V1RequirerCharm, v1RequirerMetadata);
    const rel = relation();
    const manager = ctx.manager(ctx.on.updateStatus(), new State({ relations: [rel] }));
    const byRelation = manager.charm.certificateTransfer.getAllCertificatesByRelation();
    expect(byRelation.get(rel.id)?.slice().sort()).toEqual([...PEMS].sort());
    // Nothing has been emitted yet.
    expect(ctx.emitted).toEqual([]);
    const out = manager.run();
    expect(out).toBeInstanceOf(State);
    expect(ctx.emitted.map((e) => e.kind)).toEqual(["update_status"]);
    expect(() => manager.run()).toThrow(/runs its event once/);
  });

  it("re-emits deferred events at run(), not when the charm is handed over", () => {
    const seen: string[] = [];
    class Deferring extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        seen.push("constructed");
        fw.observe(this.on.install, () => seen.push("install"));
        fw.observe(this.on.start, () => seen.push("start"));
      }
    }
    const ctx = new Context(Deferring, { meta: { name: "deferring" } });
    const deferred = new DeferredEvent({
      handlePath: "Deferring/on/install[1]",
      owner: "Deferring",
      observer: "Deferring/on/install#0",
    });
    const manager = ctx.manager(ctx.on.start(), new State({ deferred: [deferred] }));
    expect(seen).toEqual(["constructed"]);
    manager.run();
    expect(seen).toEqual(["constructed", "install", "start"]);
  });

  it("with a body, runs the event after it unless the body did, and returns the output State", () => {
    const ctx = new Context(V1RequirerCharm, v1RequirerMetadata);
    const rel = relation();
    let before = -1;
    const out = ctx.manager(ctx.on.relationChanged(rel), new State({ relations: [rel] }), (m) => {
      before = m.charm.certificateTransfer.getAllCertificates().size;
    });
    expect(before).toBe(2);
    expect(out).toBeInstanceOf(State);
    expect(ctx.emitted.map((e) => e.kind)).toContain("certificate_set_updated");
    const ran = ctx.manager(ctx.on.updateStatus(), new State(), (m) => {
      m.run();
    });
    expect(ran).toBeInstanceOf(State);
  });

  it("a constructor that throws raises UncaughtCharmError at once, as run does", () => {
    class Broken extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        throw new Error("no");
      }
    }
    const ctx = new Context(Broken, { meta: { name: "broken" } });
    expect(() => ctx.manager(ctx.on.install(), new State())).toThrow(UncaughtCharmError);
  });
});

describe("ctx.actionResults", () => {
  class Actions extends CharmBase {
    constructor(fw: Framework) {
      super(fw);
      fw.observe(this.on.action("quiet"), () => {});
      fw.observe(this.on.action("empty"), (e) => e.setResults({}));
      fw.observe(this.on.action("loud"), (e) => e.setResults({ n: 1 }));
    }
  }
  const ctx = new Context(Actions, {
    meta: { name: "actions" },
    actions: { quiet: {}, empty: {}, loud: {} },
  });

  it("is undefined when the action set no results, as Scenario's None", () => {
    ctx.run(ctx.on.action("loud"), new State());
    expect(ctx.actionResults).toEqual({ n: 1 });
    ctx.run(ctx.on.action("quiet"), new State());
    expect(ctx.actionResults).toBeUndefined();
    ctx.run(ctx.on.action("empty"), new State());
    expect(ctx.actionResults).toEqual({});
    ctx.run(ctx.on.install(), new State());
    expect(ctx.actionResults).toBeUndefined();
  });
});

describe("unit databags start with the keys Juju writes", () => {
  const juju = {
    "egress-subnets": "192.0.2.0",
    "ingress-address": "192.0.2.0",
    "private-address": "192.0.2.0",
  };

  it("a Relation's local unit bag and its default remote unit's bag, as in Scenario", () => {
    expect(DEFAULT_JUJU_DATABAG).toEqual(juju);
    const rel = new Relation({ endpoint: "db" });
    expect(rel.localUnitData).toEqual(juju);
    expect(rel.remoteUnitsData).toEqual({ 0: juju });
    expect(rel.localAppData).toEqual({});
    expect(rel.remoteAppData).toEqual({});
    const sub = new SubordinateRelation({ endpoint: "juju-info" });
    expect([sub.localUnitData, sub.remoteUnitData]).toEqual([juju, juju]);
    const peer = new PeerRelation({ endpoint: "cluster" });
    expect([peer.localUnitData, peer.peersData]).toEqual([juju, {}]);
  });

  it("a bag given explicitly is taken as it is: {} leaves the keys out", () => {
    const rel = new Relation({ endpoint: "db", localUnitData: {}, remoteUnitsData: { 1: {} } });
    expect(rel.localUnitData).toEqual({});
    expect(rel.remoteUnitsData).toEqual({ 1: {} });
  });

  it("the charm reads them like any key", () => {
    let address: string | undefined;
    class Reader extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.relation("db").changed, (e) => {
          address = e.unit ? e.relation.data.get(e.unit).get("ingress-address") : undefined;
        });
      }
    }
    const ctx = new Context(Reader, {
      meta: { name: "reader", requires: { db: { interface: "db" } } },
    });
    const rel = new Relation({ endpoint: "db" });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(address).toBe("192.0.2.0");
  });
});
