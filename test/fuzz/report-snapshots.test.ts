/**
 * What a report shows of a finding, against committed snapshots: the diagrams of recorded
 * counterexamples (fixtures/replays/) draw the library calls the steps made, the payloads of the
 * library events and the ERROR log lines that decided the finding, with participants named by unit
 * and charm; report.md opens with a summary, calls out the quirks not found in the budget with the
 * command that hunts them, and links each finding to its QUIRK's description and its source.
 */
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type CaseResult, evaluate, type FuzzCase } from "../../src/fuzz/campaign.js";
import { campaigns } from "../../src/fuzz/campaigns/index.js";
import { parseReplay, type ReplayFile } from "../../src/fuzz/replay.js";
import {
  type Finding,
  type FuzzReport,
  findingOf,
  runDiagram,
  writeReport,
} from "../../src/fuzz/report.js";
import { traceToMermaid } from "../../src/harness/mermaid.js";
import { tempDir } from "../cli/helpers.js";

const root = resolve(import.meta.dirname, "..", "..");
const replays = join(root, "fixtures", "replays");

function recorded(file: string): { replay: ReplayFile; fuzzCase: FuzzCase } {
  const replay = parseReplay(readFileSync(join(replays, file), "utf8"), file);
  const fuzzCase = campaigns[replay.campaign]?.().find(
    (c) => c.property === replay.property && c.variant === replay.variant,
  );
  if (!fuzzCase) throw new Error(`${file}: no case`);
  return { replay, fuzzCase };
}

const diagramOf = (file: string) => {
  const { replay, fuzzCase } = recorded(file);
  return runDiagram(evaluate(fuzzCase, replay.scenario).run, replay.scenario);
};

describe("diagrams of recorded counterexamples", () => {
  it("v0 removal: the calls, the stale certificate in the event, the ERROR line", async () => {
    const mermaid = diagramOf("certificate-transfer/v0-removal.json");
    const decisive = [
      "  participant u0 as ca/0 (ct-provider-v1)",
      "  participant u1 as app/0 (ct-requirer-v1)",
      '  Note over u0,u1: step 5: call ca[leader] add(["client-00"])',
      '  Note right of u0: add(["client-00"])',
      "  Note over u0,u1: step 6: call ca[leader] removeAll()",
      "  Note right of u0: removeAll()",
      // The finding itself: after removeAll the requirer still gets client-00.
      "  Note right of u1: event certificate_set_updated {certificates: [client-00], relation_id: 2}",
      "  Note right of u1: exec (the property's check)",
    ];
    for (const line of decisive) expect(mermaid.split("\n")).toContain(line);
    expect(mermaid).toMatch(/\n {2}Note right of u0: ERROR \('Error parsing relation databag: /);
    expect(mermaid).not.toMatch(/Note right of u\d: exec\n/);
    await expect(mermaid).toMatchFileSnapshot("__snapshots__/v0-removal.mmd");
  });

  it("v0 library provider: the raw PEM refused at ERROR, the empty set in the event", async () => {
    const mermaid = diagramOf("certificate-transfer/v0-library-raw-pem.json");
    const lines = mermaid.split("\n");
    expect(lines).toContain('  Note right of u0: add(["client-05"])');
    expect(lines).toContain(
      "  Note right of u1: event certificate_set_updated {certificates: [], relation_id: 2}",
    );
    expect(mermaid).toMatch(
      // Juju's address keys come first in the bag, as Python's dict keeps insertion order.
      /\n {2}Note right of u1: ERROR invalid databag contents: expecting json\. \{'egress-subnets': '192\.0\.2\.0', 'ingress-address': '192\.0\.2\.0', 'private-address': '192\.0\.2\.0', 'certificate'/,
    );
    await expect(mermaid).toMatchFileSnapshot("__snapshots__/v0-library-raw-pem.mmd");
  });

  it("lxd ill-formed data: the failed hook and its error", async () => {
    const mermaid = diagramOf("lxd/lxd-ill-formed--faithful-integrator.json");
    expect(mermaid).toMatch(/\n {2}participant u\d as lxd\/0 \(lxd-integrator\)\n/);
    expect(mermaid).toMatch(/\n {2}u\d-xu\d: relation-changed r\d+ FAILED \w+Error: /);
    expect(mermaid).toMatch(/\n {2}Note over u\d,u\d: step \d: write-bag /);
    await expect(mermaid).toMatchFileSnapshot("__snapshots__/lxd-ill-formed.mmd");
  });

  it("a capped diagram says which kinds of records it left out", () => {
    const { replay, fuzzCase } = recorded("certificate-transfer/v0-removal.json");
    const { run } = evaluate(fuzzCase, replay.scenario);
    const capped = traceToMermaid(run.sim.trace, { maxRecords: 5 });
    expect(capped).toMatch(/more records not drawn \(\d+ hooks, \d+ [a-z ]+(, \d+ [a-z ]+)*\)\n$/);
  });
});

describe("report.md", () => {
  let md = "";
  let dir = "";
  let finding: Finding;

  beforeAll(() => {
    // The recorded counterexample, as the fuzzer reports it when it finds it.
    const { replay, fuzzCase } = recorded("certificate-transfer/v0-removal.json");
    const found: CaseResult = {
      campaign: replay.campaign,
      property: replay.property,
      variant: replay.variant,
      expect: replay.expect,
      ...(replay.quirk ? { quirk: replay.quirk } : {}),
      runs: 5,
      seed: replay.seed,
      verdict: "quirk-found",
      ...(fuzzCase.sources ? { sources: fuzzCase.sources } : {}),
      counterexample: {
        scenario: replay.scenario,
        path: replay.path,
        message: replay.verdict,
        size: replay.scenario.steps.length,
      },
    };
    finding = findingOf(fuzzCase, found) as Finding;
    expect(finding.replay).toEqual(replay);
    const notFound: CaseResult = {
      campaign: "certificate-transfer",
      property: "ct.converges",
      variant: "v1 requirer x v1 provider",
      expect: "quirk",
      quirk: "mode switch / v0 removal / several provider units",
      runs: 160,
      seed: 5,
      verdict: "quirk-not-found",
    };
    const report: FuzzReport = {
      seed: 1,
      shard: { index: 1, count: 1 },
      meta: {
        version: "0.1.0",
        command: "charmsim fuzz --campaign certificate-transfer",
        options: { seed: 1, runs: 160, campaigns: ["certificate-transfer"] },
        durationMs: 61_500,
      },
      results: [notFound, found],
      findings: [finding],
      hunts: {
        "certificate-transfer/ct.converges/v1 requirer x v1 provider":
          "charmsim fuzz --campaign ct-quirks --seed 1",
      },
    };
    dir = join(tempDir(), "report");
    writeReport(dir, report);
    md = readFileSync(join(dir, "report.md"), "utf8");
  });

  it("opens with the counts, the command, the version, the seed and the duration", () => {
    expect(md).toMatch(
      /^# charmsim fuzz report\n\n\*\*0 hold, 0 FAIL, 1 quirk found, 1 quirk not found in budget\*\* \(2 cases, \d+ runs\)\.\n/,
    );
    for (const row of [
      "| command | `charmsim fuzz --campaign certificate-transfer` |",
      "| charmsim | 0.1.0 |",
      "| seed | 1 (shard 1/1) |",
      "| duration | 1 min 2 s |",
    ])
      expect(md).toContain(row);
  });

  it("calls out the quirk not found in the budget, with the command that hunts it", () => {
    expect(md).toContain(
      "> **1 quirk was not found within the budget.** Upstream is known to break this property, but no run this time showed it: this is not a pass.",
    );
    expect(md).toContain(
      "> - certificate-transfer ct.converges (v1 requirer x v1 provider), mode switch / v0 removal / several provider units: `charmsim fuzz --campaign ct-quirks --seed 1`",
    );
    expect(md).toContain("| **quirk not found in budget** |");
  });

  it("links the finding to its QUIRK's description and to the variant's source", () => {
    const lib = join(root, "src/libs/certificate-transfer/v1.ts");
    const quirkLine =
      readFileSync(lib, "utf8")
        .split("\n")
        .findIndex((l) => l.includes("QUIRK")) + 1;
    const target = (p: string) => relative(dir, join(root, p));
    expect(quirkLine).toBeGreaterThan(0);
    expect(md).toContain(
      `- QUIRK described in: [\`src/libs/certificate-transfer/v1.ts\` line ${quirkLine}](${target("src/libs/certificate-transfer/v1.ts")}#L${quirkLine})`,
    );
    expect(md).toContain(
      `- variant's source: [\`src/libs/certificate-transfer/v1.ts\`](${target("src/libs/certificate-transfer/v1.ts")})`,
    );
    expect(md).toContain(`[${finding.diagramFile}](${finding.diagramFile})`);
  });

  it("draws the finding's diagram with its decisive call and payload", async () => {
    expect(md).toContain("```mermaid\nsequenceDiagram\n");
    expect(md).toContain("Note right of u1: event certificate_set_updated {certificates: [");
    const normalised = md.replace(/\]\([./]*[^)]*?src\//g, "](<root>/src/");
    await expect(normalised).toMatchFileSnapshot("__snapshots__/report-v0-removal.md");
  });
});
