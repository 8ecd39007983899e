/**
 * modelStatus / showUnit (sim.status() / sim.showUnit()): the simulated model read through the
 * shapes of `juju status --format=json` and `juju show-unit --format=json`, compared with
 * hand-written fixtures in Juju's format (fixtures/juju/), and their states: allocating units,
 * hooks in error, dying applications, derived application status, peers and scope.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { modelStatus, showUnit } from "../../src/harness/juju-status.js";
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  type CharmMetaInput,
  type Framework,
  MaintenanceStatus,
  Simulation,
} from "../../src/index.js";

const dbMeta: CharmMetaInput = {
  name: "pgsql",
  provides: { database: { interface: "pg" } },
  peers: { cluster: { interface: "pg-cluster" } },
};
const webMeta: CharmMetaInput = {
  name: "webapp",
  requires: { database: { interface: "pg", limit: 1 } },
};

class Db extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.start, () => {
      this.unit.status = new ActiveStatus("serving");
    });
    framework.observe(this.on.relation("cluster").created, (e) => {
      e.relation.data.get(this.unit).set("host", this.unit.name);
      if (this.unit.isLeader()) {
        e.relation.data.get(this.app).set("primary", this.unit.name);
        this.app.status = new ActiveStatus(`primary ${this.unit.name}`);
      }
    });
    framework.observe(this.on.relation("database").joined, (e) => {
      if (this.unit.isLeader()) e.relation.data.get(this.app).set("url", "pg://db");
    });
  }
}

class Web extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.install, () => {
      this.unit.status = new BlockedStatus("needs a database");
    });
    framework.observe(this.on.relation("database").changed, (e) => {
      const url = e.app ? e.relation.data.get(e.app).get("url") : undefined;
      if (!url) return;
      e.relation.data.get(this.unit).set("url-seen", url);
      this.unit.status = new ActiveStatus(`using ${url}`);
      if (this.unit.isLeader()) this.app.status = new ActiveStatus(`using ${url}`);
    });
  }
}

/**
 * db (2 units) related to web (1 unit), settled: the model the fixtures describe. The addresses
 * Juju writes into unit bags are left out (the fixtures' are a real cloud's; see the test of them).
 */
function settledModel(jujuBagKeys = false): Simulation {
  const sim = new Simulation({ seed: 7, jujuBagKeys });
  sim.deploy("db", Db, { meta: dbMeta, units: 2 });
  sim.deploy("web", Web, { meta: webMeta, units: 1 });
  sim.integrate("db:database", "web:database");
  sim.settle();
  return sim;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/juju/${name}`, import.meta.url), "utf8")) as Json;

/** What a real controller adds that the simulation does not model, dropped before comparing. */
const UNMODELLED = new Set([
  "since",
  "machine",
  "public-address",
  "base",
  "endpoint-bindings",
  "storage",
  "controller",
  "region",
  "sla",
  // The address keys Juju writes into every unit databag.
  "egress-subnets",
  "ingress-address",
  "private-address",
]);
function modelled(value: Json, path: readonly string[] = []): Json {
  if (Array.isArray(value)) return value.map((v) => modelled(v, path));
  if (value === null || typeof value !== "object") return value;
  if (path.length === 1 && path[0] === "machines") return {};
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) {
    // The model's `controller` (its name) is modelled; the top-level `controller` (a timestamp) is not.
    const dropped = UNMODELLED.has(k) && !(k === "controller" && path.length > 0);
    if (!dropped) out[k] = modelled(v, [...path, k]);
  }
  return out;
}
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Json;

describe("modelStatus: juju status --format=json", () => {
  it("matches Juju's output for the same model, field for field", () => {
    const status = modelStatus(settledModel());
    expect(asJson(status)).toEqual(modelled(fixture("status.json")));
    // Keys in Juju's order.
    expect(Object.keys(status.applications.db ?? {})).toEqual([
      "charm",
      "charm-origin",
      "charm-name",
      "charm-rev",
      "exposed",
      "application-status",
      "relations",
      "units",
    ]);
  });

  it("units not yet installed are allocating; leader only on the leader", () => {
    const sim = new Simulation();
    sim.deploy("web", Web, { meta: webMeta, units: 2 });
    const web = modelStatus(sim).applications.web;
    expect(web?.units).toEqual({
      "web/0": {
        "workload-status": { current: "waiting", message: "agent initialising" },
        "juju-status": { current: "allocating", version: "3.6.0" },
        leader: true,
      },
      "web/1": {
        "workload-status": { current: "waiting", message: "agent initialising" },
        "juju-status": { current: "allocating", version: "3.6.0" },
      },
    });
    expect(web?.relations).toBeUndefined();
    sim.settle();
    expect(modelStatus(sim).applications.web?.units?.["web/1"]).toEqual({
      "workload-status": { current: "blocked", message: "needs a database" },
      "juju-status": { current: "idle", version: "3.6.0" },
    });
  });

  it("a failed hook shows as the workload's error, naming the hook and the other end", () => {
    class Fails extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(this.on.relation("database").changed, () => {
          throw new Error("boom");
        });
      }
    }
    const sim = new Simulation({ seed: 3 });
    sim.deploy("db", Db, { meta: dbMeta });
    sim.deploy("web", Fails, {
      meta: { name: "webapp", requires: { database: { interface: "pg" } } },
    });
    sim.integrate("db:database", "web:database");
    sim.settle();
    const web = modelStatus(sim).applications.web;
    expect(web?.units?.["web/0"]).toEqual({
      "workload-status": {
        current: "error",
        message: 'hook failed: "database-relation-changed" for db:database',
      },
      "juju-status": { current: "idle", version: "3.6.0" },
      leader: true,
    });
    // Nothing set an application status: Juju shows the most severe unit status.
    expect(web?.["application-status"]).toEqual(web?.units?.["web/0"]?.["workload-status"]);
  });

  it("derives the application status from the most severe unit status", () => {
    class Mixed extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(this.on.start, () => {
          this.unit.status =
            this.unit.name === "m/1" ? new MaintenanceStatus("busy") : new ActiveStatus();
        });
      }
    }
    const sim = new Simulation();
    sim.deploy("m", Mixed, { meta: { name: "mixed" }, units: 3 });
    sim.settle();
    expect(modelStatus(sim).applications.m?.["application-status"]).toEqual({
      current: "maintenance",
      message: "busy",
    });
  });

  it("a dying application says so until its units are gone; then it is not listed", () => {
    const sim = settledModel();
    sim.removeApplication("web");
    const dying = modelStatus(sim).applications;
    expect(dying.web?.life).toBe("dying");
    expect(dying.db?.relations?.database).toEqual([
      { "related-application": "web", interface: "pg", scope: "global" },
    ]);
    sim.settle();
    const after = modelStatus(sim).applications;
    expect(Object.keys(after)).toEqual(["db"]);
    expect(after.db?.relations).toEqual({
      cluster: [{ "related-application": "db", interface: "pg-cluster", scope: "global" }],
    });
  });
});

describe("showUnit: juju show-unit --format=json", () => {
  it("matches Juju's output for the same unit", () => {
    const shown = asJson(showUnit(settledModel(), "db/0")) as {
      [unit: string]: { "relation-info": { "local-unit": Json }[] };
    };
    const expected = modelled(fixture("show-unit-db-0.json")) as typeof shown;
    // Juju fills local-unit for peer relations only (for the others it prints in-scope false and
    // no data); charmsim fills it for every relation. Compare that part separately.
    const regular = (x: typeof shown) => x["db/0"]?.["relation-info"][1] ?? { "local-unit": null };
    expect(regular(shown)["local-unit"]).toEqual({ "in-scope": true, data: {} });
    expect(regular(expected)["local-unit"]).toEqual({ "in-scope": false, data: null });
    regular(shown)["local-unit"] = null;
    regular(expected)["local-unit"] = null;
    expect(shown).toEqual(expected);
  });

  it("unit data holds the addresses Juju writes when a unit enters the scope", () => {
    const web = showUnit(settledModel(true), "web/0")["web/0"];
    const info = web?.["relation-info"] ?? [];
    const db0 = info[0]?.["related-units"]?.["db/0"];
    expect(db0?.data).toEqual({
      "egress-subnets": "192.0.2.0",
      "ingress-address": "192.0.2.0",
      "private-address": "192.0.2.0",
    });
  });

  it("application-data is the related application's bag; related-units those in scope", () => {
    const sim = settledModel();
    const web = showUnit(sim, "web/0")["web/0"];
    expect(web?.leader).toBe(true);
    expect(web?.["relation-info"]).toEqual([
      {
        "relation-id": 2,
        endpoint: "database",
        "related-endpoint": "database",
        "application-data": { url: "pg://db" },
        "local-unit": { "in-scope": true, data: { "url-seen": "pg://db" } },
        "related-units": {
          "db/0": { "in-scope": true, data: {} },
          "db/1": { "in-scope": true, data: {} },
        },
      },
    ]);
    // db/1 leaves: it is dying (still shown as a unit) and, once gone, no longer related.
    sim.removeUnit("db/1");
    expect(showUnit(sim, "db/1")["db/1"]?.life).toBe("dying");
    sim.settle();
    expect(
      Object.keys(showUnit(sim, "web/0")["web/0"]?.["relation-info"]?.[0]?.["related-units"] ?? {}),
    ).toEqual(["db/0"]);
    expect(() => showUnit(sim, "db/1")).toThrow(/no unit "db\/1"/);
  });

  it("leaves out relations with nothing to show, as Juju does", () => {
    const sim = new Simulation();
    sim.deploy("db", Db, { meta: { ...dbMeta, peers: {} } });
    sim.deploy("web", Web, { meta: webMeta, units: 0 });
    sim.integrate("db:database", "web:database");
    sim.settle();
    expect(showUnit(sim, "db/0")).toEqual({
      "db/0": { "opened-ports": [], charm: "local:pgsql-0", leader: true, life: "alive" },
    });
  });
});
