// Mutation testing of the files that carry charmsim's promises: `npm run mutation`.
// MUTATE=path[,path] limits a run to some of them (one file at a time is the practical unit on a
// small machine); a path may end in a line range (path:10-40) to check a few lines again. The
// JSON report lands in reports/mutation/mutation.json; see docs/mutation.md.
import { existsSync } from "node:fs";

/** The checkers, the ports and the fixed variants: what a surviving mutant would make a lie. */
const promised = [
  "src/harness/invariants.ts",
  "src/model/consistency.ts",
  "src/libs/certificate-transfer/v0.ts",
  "src/libs/certificate-transfer/v1.ts",
  "src/libs/certificate-transfer/v1-fixed.ts",
  "src/libs/lxd/provider.ts",
  "src/libs/lxd/provider-fixed.ts",
  "src/libs/lxd/requirer.ts",
];

/** Listed once they exist, so the configuration does not break before they land. */
const planned = [
  // The unit agent's hook resolver.
  "src/agent/resolver.ts",
];

const requested = (process.env.MUTATE ?? "")
  .split(",")
  .map((p) => p.trim())
  .filter((p) => p.length > 0);
for (const p of requested) {
  // A path may end in a line range, as Stryker allows: src/model/consistency.ts:230-250
  const file = p.replace(/:\d+(?::\d+)?-\d+(?::\d+)?$/, "");
  if (!existsSync(file)) throw new Error(`MUTATE names ${file}, which does not exist`);
}
const mutate =
  requested.length > 0 ? requested : [...promised, ...planned.filter((p) => existsSync(p))];

/**
 * TEST_FILES=glob[,glob] runs only those test files (a quick check while writing tests for one
 * file). The score then counts only what those tests notice, and static mutants (module-level
 * code: constants, initial values) are left out, as such a run reports them all as surviving;
 * the scores in docs/mutation.md come from runs without it.
 */
const testFiles = (process.env.TEST_FILES ?? "")
  .split(",")
  .map((p) => p.trim())
  .filter((p) => p.length > 0);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate,
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  // Only test files that import a mutated file (directly or not) run, and per test only those
  // that reach the mutant.
  // vitest.mutation.config.ts leaves out the suites that run fuzz campaigns in beforeAll (it says
  // why).
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  ...(testFiles.length > 0 ? { testFiles, ignoreStatic: true } : {}),
  coverageAnalysis: "perTest",
  // String-literal mutants are left out: most are message texts, they outnumber the rest, and
  // whether a test pins a message's wording says little about whether it checks the behaviour.
  mutator: { excludedMutations: ["StringLiteral"] },
  // Stryker rewrites the tsconfig's `extends`/`references` for the sandbox by loading the
  // `typescript` package's JS API (ts.parseConfigFileTextToJson), which TypeScript 7 (the native
  // compiler) does not have: the run would stop there. The sandbox needs no rewriting (one
  // tsconfig, no references, and vitest does not type-check), so point the option at a file that
  // does not exist and Stryker skips the step.
  tsconfigFile: "stryker-no-tsconfig-rewrite.json",
  // Stryker prepends `// @ts-nocheck` to the sandbox's copies of source and test files (by
  // default everything under src/ and test/). Tests that compare a file under test/ with the
  // README (test/readme-fuzz.test.ts) would then fail the initial run; vitest does not
  // type-check, so only src/ (where the mutants are) gets the comment.
  disableTypeChecks: "src/**/*.ts",
  // The machine is shared; one test runner at a time.
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  timeoutMS: 20_000,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  ignorePatterns: ["dist", "out", "charmsim-report", ".ci", ".prof-dist", "bench", "*.cpuprofile"],
  cleanTempDir: "always",
};
