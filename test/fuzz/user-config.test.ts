/**
 * defineFuzzConfig / resolveFuzzConfig: a config is checked where it is written, and every
 * mistake is an InputError naming the field: unknown endpoints in `relations`, peer endpoints,
 * mismatched pairs, unit ranges that are not ranges, properties that are not functions, charm
 * metadata that does not load, config values of the wrong type.
 */
import { describe, expect, it } from "vitest";
import { defineFuzzConfig, type FuzzConfig, resolveFuzzConfig } from "../../src/fuzz/user/index.js";
import { CharmBase, InputError, loadCharmSpec } from "../../src/index.js";
import { pythonCharm } from "../../src/python/index.js";
import { Db, dbMeta, Web, webMeta } from "./configs/url-charms.js";

const good = {
  name: "url",
  applications: {
    db: { charm: Db, meta: dbMeta },
    web: { charm: Web, meta: webMeta },
  },
} satisfies FuzzConfig;

/** The issues of a config, as "path: message" lines. */
function issuesOf(config: unknown): string[] {
  try {
    resolveFuzzConfig(config as FuzzConfig);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe("fuzz config", () => {
  it("a good config resolves: default units, relations, built-ins, the charms by app name", () => {
    expect(defineFuzzConfig(good)).toBe(good);
    const resolved = resolveFuzzConfig(good);
    expect(resolved.applications.map((a) => [a.name, a.units, a.spec.meta.name])).toEqual([
      ["db", [1, 3], "db"],
      ["web", [1, 3], "web"],
    ]);
    expect(resolved.relations).toEqual([["db:database", "web:database"]]);
    expect(resolved.builtins).toEqual({ invariants: true, settles: true, noHookRaised: true });
    expect(resolved.catalog.names()).toEqual(["db", "web"]);
    expect(resolveFuzzConfig(good)).toBe(resolved);
  });

  it("passes trust and the charm's simulated world on to the scenarios' deploys", () => {
    const environment = () => ({ external: { registry: new Map<string, string>() } });
    const resolved = resolveFuzzConfig({
      ...good,
      applications: {
        ...good.applications,
        db: { charm: Db, meta: dbMeta, trusted: true, environment },
      },
    });
    expect(resolved.catalog.get("db").environment).toBe(environment);
    expect(resolved.catalog.get("web").environment).toBeUndefined();
    expect(resolved.applications.map((a) => [a.name, a.trusted])).toEqual([
      ["db", true],
      ["web", false],
    ]);
  });

  it("accepts a loaded spec instead of metadata objects", () => {
    const dir = new URL("../../fixtures/charms/web-split", import.meta.url).pathname;
    const spec = loadCharmSpec(dir);
    const resolved = resolveFuzzConfig({
      name: "loaded",
      applications: { web: { charm: Web, spec } },
    });
    expect(resolved.applications[0]?.spec).toBe(spec);
  });

  it("a Python charm brings its metadata from its directory; metadata given beside it is refused", () => {
    const pyDb = pythonCharm(new URL("../readme/python-fuzz/charms/db", import.meta.url).pathname);
    const config = {
      name: "py",
      applications: { db: { charm: pyDb, units: [1, 2] }, web: { charm: Web, meta: webMeta } },
    } satisfies FuzzConfig;
    const r = resolveFuzzConfig(config);
    expect(r.applications.find((a) => a.name === "db")?.spec).toBe(pyDb.spec);
    expect(r.relations).toEqual([["db:database", "web:database"]]);
    expect(
      issuesOf({
        ...config,
        applications: { ...config.applications, db: { charm: pyDb, meta: dbMeta } },
      }),
    ).toEqual([
      expect.stringMatching(
        /^applications\.db\.meta: python:db reads its metadata from .*charms\/db; leave out meta$/,
      ),
    ]);
  });

  it("an unknown endpoint in relations names the entry and lists the endpoints", () => {
    expect(issuesOf({ ...good, relations: [["db:database", "web:db"]] })).toEqual([
      'relations[0][1]: unknown endpoint "web:db"; web\'s endpoints: database',
    ]);
    expect(issuesOf({ ...good, relations: [["cache:x", "web:database"]] })).toEqual([
      'relations[0][0]: unknown application "cache" in "cache:x"; applications: db, web',
    ]);
    expect(issuesOf({ ...good, relations: [["db:replicas", "web:database"]] })).toEqual([
      'relations[0][0]: "db:replicas" is a peer endpoint: it comes with the application and is never integrated',
    ]);
    expect(issuesOf({ ...good, relations: [["db-database", "web:database"]] })).toEqual([
      'relations[0][0]: expected "application:endpoint"',
    ]);
  });

  it("a pair Juju would not relate is refused", () => {
    const other = {
      charm: Web,
      meta: { name: "other", requires: { database: { interface: "mysql" } } },
    };
    expect(
      issuesOf({
        ...good,
        applications: { ...good.applications, other },
        relations: [
          ["db:database", "other:database"],
          ["web:database", "other:database"],
        ],
      }),
    ).toEqual([
      "relations[0]: interfaces differ: db:database is pg, other:database is mysql",
      "relations[1]: both ends requires; one must provide and the other require",
    ]);
  });

  it("a unit range that is not a range", () => {
    for (const units of [[3, 1], [2], "2", [0, 0], [-1, 2], [1, 2.5], [1, 99]]) {
      const issues = issuesOf({
        ...good,
        applications: { ...good.applications, db: { charm: Db, meta: dbMeta, units } },
      });
      expect(issues, JSON.stringify(units)).toEqual([
        `applications.db.units: expected a range [min, max] of whole numbers with 0 <= min <= max, 1 <= max <= 20; got ${JSON.stringify(units)}`,
      ]);
    }
  });

  it("a property that is not a function", () => {
    expect(issuesOf({ ...good, properties: { "web learns the url": "web/0 is active" } })).toEqual([
      "properties.web learns the url: a property is a function (run) => null when it holds, else a message",
    ]);
    expect(issuesOf({ ...good, properties: { "juju.settles": () => null } })).toEqual([
      "properties.juju.settles: is the name of a built-in property; choose another",
    ]);
  });

  it("a charm whose metadata does not load, or that is not a charm class", () => {
    expect(
      issuesOf({
        ...good,
        applications: {
          db: { charm: Db, meta: { name: "db", provides: { database: {} } } },
          web: { charm: "Web", meta: webMeta },
        },
      }),
    ).toEqual(["applications.web.charm: expected a charm class (a subclass of CharmBase)"]);
    expect(
      issuesOf({
        ...good,
        applications: {
          ...good.applications,
          db: { charm: Db, meta: { name: "db", provides: { database: {} } } },
        },
      }),
    ).toEqual([
      "applications.db.meta.provides.database.interface: Invalid input: expected string, received undefined",
    ]);
    expect(
      issuesOf({
        ...good,
        applications: {
          ...good.applications,
          db: {
            charm: Db,
            meta: dbMeta,
            config: { options: { port: { type: "int", default: "x" } } },
          },
        },
      }),
    ).toEqual(['applications.db.config.options.port.default: default "x" is not of type int']);
    expect(
      issuesOf({ ...good, applications: { ...good.applications, db: { charm: Db } } }),
    ).toEqual(["applications.db.meta: give the charm's metadata (or spec)"]);
  });

  it("config values given for set-config must exist and have the option's type", () => {
    class C extends CharmBase {}
    const app = {
      charm: C,
      meta: { name: "c" },
      config: { options: { mode: { type: "string" }, n: { type: "int" } } },
    };
    expect(
      issuesOf({
        name: "c",
        applications: { c: { ...app, configValues: { mode: ["a", 1], nope: [1] } } },
      }),
    ).toEqual([
      "applications.c.configValues.mode[1]: 1 is not of type string",
      'applications.c.configValues.nope: no config option "nope"; options: mode, n',
    ]);
  });

  it("unknown fields and an empty model are refused", () => {
    expect(issuesOf({ ...good, propertys: {} })).toEqual([
      "propertys: unknown field; remove it or check its spelling",
    ]);
    expect(issuesOf({ name: "x", applications: {} })).toEqual([
      "applications: declare at least one application",
    ]);
    expect(() => defineFuzzConfig({ ...good, name: "" })).toThrow(InputError);
  });
});
