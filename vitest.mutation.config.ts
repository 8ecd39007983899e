// The vitest configuration of `npm run mutation` (stryker.config.mjs): the project's, less the
// suites that run whole fuzz campaigns in beforeAll (through the CLI, in-process, or to build
// report fixtures). Code reached from beforeAll belongs to no test, so Stryker counts every
// mutant it reaches as static and runs the whole suite against each one: hours per file on two
// cores. Those suites check the CLI and the reports; the tests of the mutated files stay in.
import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export const campaignFixtureSuites = [
  "test/readme-ci.test.ts",
  "test/cli/cli.test.ts",
  "test/cli/bad-input.test.ts",
  "test/cli/fuzz-workers.test.ts",
  "test/fuzz/report-replay.test.ts",
  "test/fuzz/report-snapshots.test.ts",
];

export default mergeConfig(
  base,
  defineConfig({ test: { exclude: [...configDefaults.exclude, ...campaignFixtureSuites] } }),
);
