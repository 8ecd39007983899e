import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliIo, main } from "../../src/cli.js";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** Wall-clock time of the run, in milliseconds. */
  readonly ms: number;
}

/** Runs the command line in-process, capturing what it prints. */
export async function cli(...argv: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTTY: false,
  };
  const start = performance.now();
  const code = await main(argv, io);
  return { code, out, err, ms: performance.now() - start };
}

/** A fresh temporary directory. */
export const tempDir = () => mkdtempSync(join(tmpdir(), "charmsim-test-"));

/**
 * A fresh temporary directory that is an ES module package (its package.json says
 * "type": "module"), as a project holding a charmsim.config.ts is: outside one, a .ts file
 * loads as CommonJS.
 */
export function esmTempDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  return dir;
}

/** The non-empty lines of a text. */
export const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
