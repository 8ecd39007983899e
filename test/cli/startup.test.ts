/**
 * Start-up: each command loads only what it needs (the command line runs in a child process whose
 * module hooks record every module it resolves), the light lists of campaigns and charms match the
 * modules they stand for, and --version / --help read as a person writes them.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BUNDLED_CHARM_NAMES,
  CAMPAIGN_NAMES,
  loadCampaign,
  loadCatalog,
  OPT_IN_CAMPAIGN_NAMES,
} from "../../src/fuzz/campaigns/bundled.js";
import { bundledCatalog, campaigns, optInCampaigns } from "../../src/fuzz/campaigns/index.js";
import { cli, lines } from "./helpers.js";

const root = join(import.meta.dirname, "..", "..");
const traceDir = join(import.meta.dirname, "import-trace");

/** The modules `charmsim ...args` resolves (from the sources, through tsx), and its exit code. */
function modulesLoaded(...args: string[]): { modules: string[]; code: number } {
  const file = join(mkdtempSync(join(tmpdir(), "charmsim-trace-")), "modules.txt");
  let code = 0;
  try {
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        join(traceDir, "register.mjs"),
        join(traceDir, "main.ts"),
        ...args,
      ],
      { cwd: root, env: { ...process.env, CHARMSIM_TRACE_FILE: file }, stdio: "ignore" },
    );
  } catch (e) {
    code = (e as { status?: number }).status ?? -1;
  }
  const modules = [...new Set(readFileSync(file, "utf8").split("\n").filter(Boolean))];
  return { modules, code };
}

const has = (modules: string[], part: string) => modules.some((m) => m.includes(part));

describe("what each command loads", () => {
  it("--help: commander and the light helpers, no simulation, no campaign, no x509", () => {
    const { modules, code } = modulesLoaded("--help");
    expect(code).toBe(0);
    for (const heavy of [
      "@peculiar/x509",
      "reflect-metadata",
      "fast-check",
      "/yaml/",
      "/zod/",
      "/src/harness/",
      "/src/fuzz/campaign.ts",
      "/src/fuzz/report.ts",
    ])
      expect(has(modules, heavy), heavy).toBe(false);
    expect(has(modules, "commander")).toBe(true);
  });

  it("run of a certificate_transfer scenario: no X.509 parser, no fuzzing library", () => {
    const { modules, code } = modulesLoaded(
      "run",
      join(root, "fixtures", "scenarios", "certificate-transfer-v1.yaml"),
    );
    expect(code).toBe(0);
    expect(has(modules, "/src/harness/simulation.ts")).toBe(true);
    expect(has(modules, "@peculiar/x509")).toBe(false);
    expect(has(modules, "fast-check")).toBe(false);
    expect(has(modules, "/src/charms/lxd")).toBe(false);
  });
});

describe("the light lists match the modules", () => {
  it("campaign names are the campaigns, in order; each loads its own cases", async () => {
    expect([...CAMPAIGN_NAMES]).toEqual(Object.keys(campaigns));
    for (const name of CAMPAIGN_NAMES) {
      const cases = await loadCampaign(name);
      expect(cases.map((c) => `${c.campaign}/${c.property}/${c.variant}`)).toEqual(
        (campaigns[name]?.() ?? []).map((c) => `${c.campaign}/${c.property}/${c.variant}`),
      );
    }
  });

  it("opt-in campaign names are the opt-in campaigns, none of them a default one", async () => {
    expect([...OPT_IN_CAMPAIGN_NAMES]).toEqual(Object.keys(optInCampaigns));
    for (const name of OPT_IN_CAMPAIGN_NAMES) {
      expect(CAMPAIGN_NAMES as readonly string[]).not.toContain(name);
      const cases = await loadCampaign(name);
      expect(cases.map((c) => `${c.campaign}/${c.property}/${c.variant}`)).toEqual(
        (optInCampaigns[name]?.() ?? []).map((c) => `${c.campaign}/${c.property}/${c.variant}`),
      );
    }
  });

  it("charm names are the catalog's; a catalog loads the charms asked for", async () => {
    expect(BUNDLED_CHARM_NAMES).toEqual(bundledCatalog().names());
    const all = await loadCatalog(BUNDLED_CHARM_NAMES);
    expect(all.names()).toEqual(bundledCatalog().names());
    const some = await loadCatalog(["ct-provider-v1"]);
    expect(some.has("ct-provider-v1")).toBe(true);
    expect(some.has("lxd-integrator")).toBe(false);
  });
});

describe("--version and --help", () => {
  it("--version prints the package version", async () => {
    const version = (
      JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    for (const flag of ["--version", "-V"]) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${version}\n`);
    }
  });

  it("fuzz --help shows defaults as they are typed", async () => {
    const r = await cli("fuzz", "--help");
    expect(r.code).toBe(0);
    const help = r.out.replace(/\s+/g, " ");
    expect(help).toContain("(default: 1/1)");
    expect(help).not.toContain('{"index"');
    expect(help).toContain("--runs <n> runs per case (some cases weigh more) (default: 160)");
    expect(help).toContain("certificate-transfer, ct-quirks, juju-ordering, lxd (default: all)");
  });

  it("run --help documents the scenario limits and the flag that lifts them", async () => {
    const r = await cli("run", "--help");
    const help = r.out.replace(/\s+/g, " ");
    expect(help).toContain("--max-steps <n> most steps a scenario may have (default: 1000)");
    expect(help).toContain(
      "--max-units-per-app <n> most units one application may get (default: 50)",
    );
    expect(help).toContain("--max-units <n> most units the model may get (default: 200)");
    expect(help).toContain("--no-limits lift the three limits above");
  });

  it("merge --help says what a shard argument is, as its refusal does", async () => {
    const r = await cli("merge", "--help");
    expect(r.out.replace(/\s+/g, " ")).toContain(
      "report.json files (or their directories), one per shard",
    );
  });

  it("an error is one line with one prefix", async () => {
    const r = await cli("run", "/nonexistent/scenario.yaml");
    expect(lines(r.err)).toEqual(["charmsim: cannot read /nonexistent/scenario.yaml: ENOENT"]);
  });
});
