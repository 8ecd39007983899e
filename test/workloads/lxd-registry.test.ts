import { describe, expect, it } from "vitest";
import { fixtureCertificate, fixtureServerCert } from "../../src/pki/fixtures.js";
import { LxdServerRegistry } from "../../src/workloads/lxd-registry.js";
import {
  endpointAddress,
  LxdConnectionError,
  LxdServer,
  PythonValueError,
} from "../../src/workloads/lxd-server.js";

const admin = fixtureCertificate("client-00");

function registryWithTwo(): LxdServerRegistry {
  const registry = new LxdServerRegistry();
  const serverCertPem = fixtureServerCert().certPem;
  registry.create({ serverName: "lxd-b", serverCertPem, endpoint: "https://10.0.0.2:8443" });
  registry.add(
    new LxdServer({ serverName: "lxd-a", serverCertPem, endpoint: "https://10.0.0.1:8443/" }),
  );
  registry.get("https://10.0.0.1:8443")!.trust(admin.certPem);
  return registry;
}

describe("LxdServerRegistry", () => {
  it("finds servers by endpoint, ignoring a trailing slash", () => {
    const registry = registryWithTwo();
    expect(registry.get("https://10.0.0.1:8443/")?.serverName).toBe("lxd-a");
    expect(registry.get("https://10.0.0.2:8443")?.serverName).toBe("lxd-b");
    expect(registry.has("https://10.0.0.2:8443/")).toBe(true);
    expect(registry.get("https://10.0.0.3:8443")).toBeUndefined();
    expect(registry.endpoints()).toEqual(["https://10.0.0.1:8443", "https://10.0.0.2:8443"]);
  });

  it("routes a request to the server at the endpoint", () => {
    const registry = registryWithTwo();
    const options = { clientCertPem: admin.certPem };
    const a = registry.request("https://10.0.0.1:8443", "GET", "/1.0", options);
    const b = registry.request("https://10.0.0.2:8443", "GET", "/1.0", options);
    expect(a.body).toMatchObject({
      metadata: { auth: "trusted", environment: { server_name: "lxd-a" } },
    });
    expect(b.body).toMatchObject({
      metadata: { auth: "untrusted", environment: { server_name: "lxd-b" } },
    });
    expect(registry.get("https://10.0.0.2:8443")!.requests).toHaveLength(1);
  });

  it("treats an unknown endpoint as unreachable", () => {
    const registry = registryWithTwo();
    expect(() => registry.request("https://nowhere:8443", "GET", "/1.0")).toThrow(
      LxdConnectionError,
    );
    expect(() => registry.request("https://nowhere:8443", "GET", "/1.0")).toThrow(
      "connection refused: https://nowhere:8443",
    );
    expect(() => registry.request("", "GET", "/1.0")).toThrow(LxdConnectionError);
  });

  it("makes a removed server unreachable", () => {
    const registry = registryWithTwo();
    expect(registry.remove("https://10.0.0.2:8443/")).toBe(true);
    expect(registry.remove("https://10.0.0.2:8443")).toBe(false);
    expect(() => registry.request("https://10.0.0.2:8443", "GET", "/1.0")).toThrow(
      LxdConnectionError,
    );
  });

  it("refuses two servers at one endpoint", () => {
    const registry = registryWithTwo();
    expect(() =>
      registry.create({
        serverName: "dup",
        serverCertPem: fixtureServerCert().certPem,
        endpoint: "https://10.0.0.1:8443",
      }),
    ).toThrow(/already registered at https:\/\/10\.0\.0\.1:8443/);
    expect(registry.get("https://10.0.0.1:8443")?.serverName).toBe("lxd-a");
  });

  it("snapshots every server's trust store, keyed by endpoint", () => {
    const snapshot = registryWithTwo().snapshot();
    expect(Object.keys(snapshot)).toEqual(["https://10.0.0.1:8443", "https://10.0.0.2:8443"]);
    expect(snapshot["https://10.0.0.1:8443"]!.certificates.map((c) => c.fingerprint)).toEqual([
      admin.fingerprint,
    ]);
    expect(snapshot["https://10.0.0.2:8443"]!.certificates).toEqual([]);
  });
});

describe("servers by address (a client that connects to host:port)", () => {
  it("finds the server whose endpoint URL has that host and port", () => {
    const registry = registryWithTwo();
    expect(registry.at("10.0.0.1", 8443)?.serverName).toBe("lxd-a");
    expect(registry.at("10.0.0.2", 8443)?.serverName).toBe("lxd-b");
    expect(registry.at("10.0.0.1", 443)).toBeUndefined();
    const answer = registry.requestAt("10.0.0.1", 8443, "GET", "/1.0", {
      clientCertPem: admin.certPem,
    });
    expect(answer.status).toBe(200);
    expect(() => registry.requestAt("10.0.0.3", 8443, "GET", "/1.0")).toThrow(
      /^connection refused: 10\.0\.0\.3:8443$/,
    );
    expect(() => registry.requestAt("::1", 8443, "GET", "/1.0")).toThrow(/\[::1\]:8443/);
  });

  it("reads an endpoint's address as a URL: default port, IPv6 brackets and case dropped", () => {
    expect(endpointAddress("https://LXD.example")).toEqual({ host: "lxd.example", port: 443 });
    expect(endpointAddress("http://h")).toEqual({ host: "h", port: 80 });
    expect(endpointAddress("https://[::1]:8443/")).toEqual({ host: "::1", port: 8443 });
    expect(endpointAddress("lxd-a")).toBeNull();
  });

  it("a client whose TLS context is a server context connects, then never reaches the API", () => {
    const registry = registryWithTwo();
    const server = registry.at("10.0.0.1", 8443)!;
    expect(() =>
      server.request("GET", "/1.0", { clientCertPem: admin.certPem, tlsContext: "server" }),
    ).toThrow(PythonValueError);
    expect(server.requests.at(-1)).toMatchObject({ status: null, caller: null });
    server.injectFault({ kind: "unreachable", count: 1 });
    expect(() => server.request("GET", "/1.0", { tlsContext: "server" })).toThrow(
      LxdConnectionError,
    );
  });
});
