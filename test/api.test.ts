import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string | { types: string; import: string }>;
  bin: Record<string, string>;
};

describe("the package surface", () => {
  it("maps every export subpath to a source module that exists", () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      expect(target.types.replace(/\.d\.ts$/, ".js"), subpath).toBe(target.import);
      const source = target.import.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
      expect(existsSync(new URL(`../${source}`, import.meta.url)), `${subpath} -> ${source}`).toBe(
        true,
      );
    }
    expect(existsSync(new URL(`../${pkg.bin.charmsim}`, import.meta.url))).toBe(true);
  });

  it("exports the names DESIGN.md promises", () => {
    for (const name of [
      "Context",
      "State",
      "Relation",
      "PeerRelation",
      "SubordinateRelation",
      "CharmBase",
      "Framework",
      "Simulation",
      "checkInvariants",
      "traceToMermaid",
      "Trace",
      "ActiveStatus",
      "RelationDataAccessError",
      "RelationDataTypeError",
      "UncaughtCharmError",
      "InputError",
      "loadCharmSpec",
    ]) {
      expect(Object.hasOwn(api, name), name).toBe(true);
    }
  });
});

describe("charmsim/arbitraries", () => {
  it("exports the campaign arbitraries, cases and runner", async () => {
    const arbitraries = await import("../src/fuzz/index.js");
    for (const name of [
      "orderingScenario",
      "ctScenario",
      "ctOperation",
      "lxdScenario",
      "lxdOperation",
      "certificateTransferCases",
      "lxdCases",
      "quirkHunts",
      "runScenario",
      "runCase",
      "evaluate",
      "scenarioSchema",
      "campaigns",
    ]) {
      expect(Object.hasOwn(arbitraries, name), name).toBe(true);
    }
  });
});

describe("charmsim/fuzz", () => {
  it("exports the fuzzing API for users' charms; charmsim/arbitraries re-exports it", async () => {
    const target = pkg.exports["./fuzz"];
    expect(typeof target === "object" ? target.import : target).toBe("./dist/fuzz/user/index.js");
    const userFuzz = await import("../src/fuzz/user/index.js");
    const arbitraries = await import("../src/fuzz/index.js");
    for (const name of ["defineFuzzConfig", "fuzz", "modelScenario", "modelStatus", "showUnit"]) {
      expect(Object.hasOwn(userFuzz, name), name).toBe(true);
    }
    for (const name of ["defineFuzzConfig", "fuzz", "modelScenario"]) {
      expect(Object.hasOwn(arbitraries, name), name).toBe(true);
    }
    expect(Object.hasOwn(api, "modelStatus") && Object.hasOwn(api, "showUnit")).toBe(true);
  });

  it("takes fast-check as a peer dependency, so the user's own fast-check is the one used", () => {
    const full = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      dependencies: Record<string, string>;
      peerDependencies?: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(full.peerDependencies?.["fast-check"]).toMatch(/^\^4\./);
    expect(full.dependencies["fast-check"]).toBeUndefined();
    expect(full.devDependencies["fast-check"]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("charmsim/pki checks a certificate as load_certificate does, remembering the outcome", async () => {
    const pki = await import("../src/pki/index.js");
    const pem = pki.fixtureCertificate("client-00").certPem;
    expect(() => pki.loadCertificate(pem)).not.toThrow();
    expect(() => pki.loadCertificateDer(pki.pemToDer(pem))).not.toThrow();
    expect(() =>
      pki.loadCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
    ).toThrow(pki.InvalidPemError);
  });
});
