/**
 * CharmCatalog, the scenario schema and describeOperation.
 */
import { describe, expect, it } from "vitest";
import { bundledCatalog, campaignNames, campaigns } from "../../src/fuzz/campaigns/index.js";
import { CharmCatalog } from "../../src/fuzz/catalog.js";
import {
  describeOperation,
  type Operation,
  operationSchema,
  scenarioSchema,
} from "../../src/fuzz/operations.js";
import { InputError } from "../../src/model/errors.js";
import { fingerprintSha256 } from "../../src/pki/pem.js";
import type { LxdServerRegistry } from "../../src/workloads/lxd-registry.js";

describe("CharmCatalog", () => {
  const bundled = bundledCatalog();

  it("holds every bundled charm, sorted by name", () => {
    expect(bundled.names()).toEqual([...bundled.names()].sort());
    expect(bundled.names()).toEqual(
      expect.arrayContaining([
        "chatty-provider",
        "chatty-requirer",
        "ct-provider-v0",
        "ct-provider-v1",
        "ct-provider-v1-fixed",
        "ct-requirer-v0",
        "ct-requirer-v1",
        "ct-requirer-v1-fixed",
        "lxd-consumer",
        "lxd-integrator",
        "lxd-integrator-fixed",
        "lxd-integrator-fixed-impostor-lxd",
        "lxd-integrator-impostor-lxd",
      ]),
    );
    expect(bundled.all().map((c) => c.name)).toEqual(bundled.names());
    expect(bundled.has("lxd-consumer")).toBe(true);
    expect(bundled.has("nope")).toBe(false);
  });

  it("an unknown charm is an InputError that lists the known ones", () => {
    expect(() => bundled.get("nope")).toThrow(InputError);
    expect(() => bundled.get("nope")).toThrow(
      /charm: unknown charm "nope"; known charms: chatty-provider, chatty-requirer, ct-provider-upstream-v1, ct-provider-upstream-v1.1, ct-provider-v0/,
    );
  });

  it("refuses a second charm of the same name", () => {
    const entry = bundled.get("chatty-provider");
    const catalog = new CharmCatalog([entry]);
    expect(() => catalog.register(entry)).toThrow(/"chatty-provider" is already in the catalog/);
    expect(() => new CharmCatalog([entry, entry])).toThrow(/already in the catalog/);
  });

  it("the lxd integrators bring the LXD world; each call builds a fresh one", () => {
    const impostors = ["lxd-integrator-impostor-lxd", "lxd-integrator-fixed-impostor-lxd"];
    for (const name of ["lxd-integrator", "lxd-integrator-fixed", ...impostors]) {
      const entry = bundled.get(name);
      const a = entry.environment?.();
      const b = entry.environment?.();
      expect(a?.credential?.endpoint, name).toBe("https://10.0.8.1:8443");
      expect(Object.keys(a?.external ?? {}), name).toEqual(["lxd"]);
      expect(a?.external?.lxd, name).not.toBe(b?.external?.lxd);
      expect(Object.keys(entry.calls)).toEqual(["trustStore"]);
      const registry = a?.external?.lxd as LxdServerRegistry | undefined;
      const server = registry?.get("https://10.0.8.1:8443");
      const configured = fingerprintSha256(a?.credential?.attrs["server-cert"] ?? "");
      expect(server?.serverFingerprint === configured, name).toBe(!impostors.includes(name));
    }
    expect(bundled.get("lxd-consumer").environment).toBeUndefined();
  });

  it("every campaign's cases deploy only catalog charms", () => {
    expect(campaignNames()).toEqual(
      expect.arrayContaining(["certificate-transfer", "juju-ordering", "lxd"]),
    );
    for (const name of campaignNames()) {
      for (const c of campaigns[name]?.() ?? []) {
        for (const charm of c.catalog.names()) expect(bundled.has(charm), charm).toBe(true);
      }
    }
  });
});

describe("the scenario schema", () => {
  it("fills defaults", () => {
    const s = scenarioSchema.parse({ steps: [{ op: "deploy", app: "a", charm: "c" }] });
    expect(s).toEqual({
      seed: 0,
      steps: [{ op: "deploy", app: "a", charm: "c", units: 1, config: {}, trusted: false }],
    });
    expect(operationSchema.parse({ op: "settle" })).toEqual({ op: "settle", maxHooks: 100_000 });
    expect(operationSchema.parse({ op: "call", unit: "a/0", method: "m" })).toEqual({
      op: "call",
      unit: "a/0",
      method: "m",
      args: [],
    });
  });

  it.each([
    ["an unknown op", { op: "dance" }],
    ["an extra field", { op: "settle", hooks: 1 }],
    ["a bad unit name", { op: "remove-unit", unit: "a" }],
    [
      "a unit ref with two selectors",
      { op: "remove-unit", unit: { app: "a", index: 0, leader: true } },
    ],
    ["a bad endpoint", { op: "integrate", a: "a", b: "b:x" }],
    ["an upper-case app", { op: "add-unit", app: "App" }],
    ["a negative count", { op: "step", count: 0 }],
  ])("refuses %s", (_what, op) => {
    expect(operationSchema.safeParse(op).success).toBe(false);
  });

  it("refuses an empty scenario and an out-of-range seed", () => {
    expect(scenarioSchema.safeParse({ steps: [] }).success).toBe(false);
    expect(scenarioSchema.safeParse({ seed: -1, steps: [{ op: "settle" }] }).success).toBe(false);
    expect(scenarioSchema.safeParse({ seed: 2 ** 32, steps: [{ op: "settle" }] }).success).toBe(
      false,
    );
  });
});

describe("describeOperation", () => {
  const cases: [Operation, string][] = [
    [
      { op: "deploy", app: "ca", charm: "ct-provider-v1", units: 2, config: {}, trusted: true },
      "deploy ca (ct-provider-v1) x2",
    ],
    [{ op: "add-unit", app: "app" }, "add-unit app"],
    [{ op: "remove-unit", unit: "app/3" }, "remove-unit app/3"],
    [{ op: "remove-unit", unit: { app: "app", index: 2 } }, "remove-unit app[2]"],
    [{ op: "set-leader", unit: { app: "ca", leader: true } }, "set-leader ca[leader]"],
    [{ op: "set-leader", unit: { app: "ca", nonLeader: 1 } }, "set-leader ca[non-leader 1]"],
    [
      { op: "integrate", a: "ca:certificates", b: "app:certificates" },
      "integrate ca:certificates app:certificates",
    ],
    [{ op: "remove-relation", a: "lxd:api", b: "app:lxd" }, "remove-relation lxd:api app:lxd"],
    [
      { op: "set-config", app: "app", values: { fixture_offset: 3 } },
      'set-config app {"fixture_offset":3}',
    ],
    [{ op: "trust", app: "lxd", trusted: true }, "trust lxd"],
    [{ op: "trust", app: "lxd", trusted: false }, "untrust lxd"],
    [{ op: "remove-application", app: "app" }, "remove-application app"],
    [
      { op: "call", unit: { app: "ca", leader: true }, method: "add", args: [["client-00"], 1] },
      'call ca[leader] add(["client-00"], 1)',
    ],
    [{ op: "call", unit: "app/0", method: "getAll", args: [] }, "call app/0 getAll()"],
    [
      { op: "write-bag", unit: "app/0", endpoint: "lxd", scope: "unit", data: { a: "b" } },
      'write-bag app/0 lxd unit {"a":"b"}',
    ],
    [{ op: "settle", maxHooks: 10 }, "settle"],
    [{ op: "step", count: 4 }, "step x4"],
    [{ op: "update-status" }, "update-status"],
  ];

  it.each(cases)("%j -> %s", (op, text) => {
    expect(describeOperation(op)).toBe(text);
  });

  it("cuts long bag data to a short line", () => {
    const text = describeOperation({
      op: "write-bag",
      unit: "app/0",
      endpoint: "lxd",
      scope: "unit",
      data: { client_certificates: "x".repeat(500) },
    });
    expect(text.length).toBeLessThan(120);
  });
});
