/** The lxd interface's data helpers, metadata files and the variant registry. */
import { describe, expect, it } from "vitest";
import { fixtureCertificateFor } from "../../src/charms/lxd-consumer/certificates.js";
import { lxdConsumerSpec } from "../../src/charms/lxd-consumer/metadata.js";
import { lxdIntegratorSpec } from "../../src/charms/lxd-integrator/metadata.js";
import { buildLxdWorld, lxdVariants } from "../../src/charms/lxd-integrator/variants.js";
import { LxdClient, PythonInvalidUrlError, pythonHostPort } from "../../src/libs/lxd/client.js";
import { pythonJsonDumps, readClientCertificates, versionSchema } from "../../src/libs/lxd/data.js";
import { PythonTypeError, pythonSet } from "../../src/libs/lxd/provider.js";
import { charmSpec, loadCharmSpec } from "../../src/model/metadata.js";

describe("lxd data helpers", () => {
  it("lays JSON out like Python's json.dumps", () => {
    expect(
      pythonJsonDumps([{ endpoint: "https://x", name: null, trusted_certs_fp: ["a", "b"] }]),
    ).toBe('[{"endpoint": "https://x", "name": null, "trusted_certs_fp": ["a", "b"]}]');
    expect(pythonJsonDumps({ n: "é", k: [] })).toBe('{"n": "\\u00e9", "k": []}');
  });

  it("reads client certificates strictly, deduplicating by fingerprint", () => {
    const c = fixtureCertificateFor(0);
    expect(readClientCertificates(undefined)).toEqual({ certificates: [], problems: [] });
    expect(readClientCertificates(JSON.stringify([c.pem, c.pem]))).toEqual({
      certificates: [{ pem: c.pem, fingerprint: c.fingerprint }],
      problems: [],
    });
    expect(readClientCertificates("[null]").problems).toEqual([
      "client_certificates[0] is a null, not a string",
    ]);
    expect(readClientCertificates("x").problems[0]).toMatch(/^client_certificates is not JSON \(/);
  });

  it("parses versions", () => {
    expect(versionSchema.parse("1.0")).toEqual({ text: "1.0", major: 1 });
    expect(versionSchema.parse("12")).toEqual({ text: "12", major: 12 });
    expect(versionSchema.safeParse("v1").success).toBe(false);
  });

  it("emulates Python's set() over JSON values", () => {
    expect(pythonSet(["a", "b", "a"])).toEqual(["a", "b"]);
    expect(pythonSet("aba")).toEqual(["a", "b"]);
    expect(pythonSet({ k: 1, j: 2 })).toEqual(["k", "j"]);
    expect(() => pythonSet(3)).toThrow(PythonTypeError);
    expect(() => pythonSet(null)).toThrow("'NoneType' object is not iterable");
    expect(() => pythonSet([{}])).toThrow("unhashable type: 'dict'");
  });
});

describe("lxd charms: metadata and registry", () => {
  it("the fixture metadata files say what the TypeScript metadata says", () => {
    expect(loadCharmSpec("fixtures/charms/lxd-integrator")).toEqual(charmSpec(lxdIntegratorSpec));
    expect(loadCharmSpec("fixtures/charms/lxd-consumer")).toEqual(charmSpec(lxdConsumerSpec));
  });

  it("the integrator provides api (lxd) and has four string options defaulting to empty", () => {
    const spec = charmSpec(lxdIntegratorSpec);
    expect(spec.meta.provides).toEqual({ api: { interface: "lxd" } });
    expect(spec.meta.subordinate).toBe(false);
    expect(Object.entries(spec.config.options).map(([k, o]) => [k, o.type, o.default])).toEqual([
      ["lxd_endpoint", "string", ""],
      ["lxd_client_cert", "string", ""],
      ["lxd_client_key", "string", ""],
      ["lxd_server_cert", "string", ""],
    ]);
  });

  it("the registry offers both variants with the same metadata", () => {
    expect(Object.keys(lxdVariants)).toEqual(["faithful", "fixed"]);
    expect(lxdVariants.faithful.integratorCharm).not.toBe(lxdVariants.fixed.integratorCharm);
    expect(lxdVariants.fixed.metas).toEqual(lxdVariants.faithful.metas);
    expect(charmSpec(lxdVariants.fixed.metas.consumer).meta.requires).toEqual({
      lxd: { interface: "lxd" },
    });
  });

  it("the world's server trusts the integrator's credential and nothing else", () => {
    const world = buildLxdWorld({ endpoint: "https://192.0.2.7:8443", serverName: "other" });
    expect(world.server.trustedFingerprints()).toEqual([world.integratorFingerprint]);
    expect(world.config.lxd_endpoint).toBe(world.credential.endpoint);
    const registry = world.external.lxd;
    expect(registry).toBe(world.registry);
    const model = { external: () => registry } as unknown as ConstructorParameters<
      typeof LxdClient
    >[0];
    const client = new LxdClient(model, {
      endpoint: world.credential.endpoint,
      clientCert: world.config.lxd_client_cert!,
      clientKey: world.config.lxd_client_key!,
      serverCert: world.config.lxd_server_cert!,
    });
    expect(client.serverInfo()).toEqual({ auth: "trusted", serverName: "other" });
  });
});

describe("pythonHostPort: where upstream's HTTPSConnection connects", () => {
  it.each([
    ["https://10.0.8.1:8443", { host: "10.0.8.1", port: 8443 }],
    ["10.0.8.1:8443", { host: "10.0.8.1", port: 8443 }],
    ["http://lxd.example:8443", { host: "lxd.example", port: 8443 }],
    ["https://lxd.example", { host: "lxd.example", port: 443 }],
    ["https://lxd.example:", { host: "lxd.example", port: 443 }],
    ["https://[fd00::1]:8443", { host: "fd00::1", port: 8443 }],
    ["https://[fd00::1]", { host: "fd00::1", port: 443 }],
    ["https://h: 8_443 ", { host: "h", port: 8443 }],
    ["https://https://h:1", { host: "h", port: 1 }],
  ])("%s", (endpoint, address) => {
    expect(pythonHostPort(endpoint)).toEqual(address);
  });

  it.each([
    ["https://h:8443/", "nonnumeric port: '8443/'"],
    ["https://h:8443/1.0", "nonnumeric port: '8443/1.0'"],
    ["https://user@h:x", "nonnumeric port: 'x'"],
  ])("%s is InvalidURL", (endpoint, message) => {
    expect(() => pythonHostPort(endpoint)).toThrow(PythonInvalidUrlError);
    expect(() => pythonHostPort(endpoint)).toThrow(message);
  });

  it("a host with a space or control character is InvalidURL", () => {
    expect(() => pythonHostPort(" https://h:8443")).toThrow(/can't contain control characters/);
    expect(() => pythonHostPort("https://h\n:8443")).toThrow(PythonInvalidUrlError);
  });
});
