import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { coldCertificates, freshRequirerRun } from "../../bench/inputs.js";
import { V1RequirerCharm, v1RequirerSpec } from "../../src/charms/certificate-transfer/index.js";
import { CharmBase, Context, charmSpec, type Framework, Relation, State } from "../../src/index.js";
import { fixtureClientCerts } from "../../src/pki/fixtures.js";

const pems = fixtureClientCerts().map((c) => c.certPem);

describe("bench inputs", () => {
  it("coldCertificates gives three distinct certificates, no list repeating within 15,600 runs", () => {
    expect(pems.length).toBe(26);
    const seen = new Set<string>();
    for (let i = 0; i < 26 * 25 * 24; i++) {
      const list = coldCertificates(pems, i);
      expect(new Set(list).size).toBe(3);
      seen.add(JSON.stringify(list));
    }
    expect(seen.size).toBe(26 * 25 * 24);
    // ...and the next run starts the cycle again.
    expect(coldCertificates(pems, 26 * 25 * 24)).toEqual(coldCertificates(pems, 0));
  });

  it("freshRequirerRun runs the requirer on a new Relation and State built from the list", () => {
    const seen: { remote: string | undefined; units: number[] }[] = [];
    class Probe extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(this.on.relation("certificates").changed, (event) => {
          const app = event.app;
          seen.push({
            remote: app ? event.relation.data.get(app).get("certificates") : undefined,
            units: [...event.relation.units].map((u) => Number(u.name.split("/")[1])),
          });
        });
      }
    }
    const spec = charmSpec(v1RequirerSpec());
    const ctx = new Context(Probe, { spec });
    freshRequirerRun({ Relation, State }, ctx, pems.slice(0, 2));
    freshRequirerRun({ Relation, State }, ctx, pems.slice(1, 3));
    expect(seen).toEqual([
      { remote: JSON.stringify(pems.slice(0, 2)), units: [0, 1, 2] },
      { remote: JSON.stringify(pems.slice(1, 3)), units: [0, 1, 2] },
    ]);
    // The real requirer takes the certificates without failing its hook.
    expect(() =>
      freshRequirerRun(
        { Relation, State },
        new Context(V1RequirerCharm, { spec }),
        pems.slice(0, 3),
      ),
    ).not.toThrow();
  });

  it("freshRequirerRun throws when the hook fails", () => {
    class Failing extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(this.on.relation("certificates").changed, () => {
          throw new Error("hook failed on purpose");
        });
      }
    }
    const ctx = new Context(Failing, { spec: charmSpec(v1RequirerSpec()) });
    expect(() => freshRequirerRun({ Relation, State }, ctx, pems.slice(0, 3))).toThrow(
      /hook failed on purpose/,
    );
  });
});

describe("bench:compare", () => {
  const script = fileURLToPath(new URL("../../bench/compare.ts", import.meta.url));
  it.each([
    [[]],
    [["a", "b", "--processes", "3"]],
    [["a", "b", "--workload", "nope"]],
    [["a", "b", "--cases", "lxd"]],
  ])("exits 2 with its usage on bad arguments %j", (args) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage: bench\/compare\.ts BASELINE_DIST CANDIDATE_DIST/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
