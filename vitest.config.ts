import { defineConfig } from "vitest/config";

// In CI the JSON reporter's totals feed the closing "N passed, N failed" line of .ci/run.
const ci = process.env.CI === "true";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "properties/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 120_000,
    pool: "forks",
    reporters: ci ? ["default", "json"] : ["default"],
    ...(ci ? { outputFile: { json: ".ci/vitest-results.json" } } : {}),
  },
});
