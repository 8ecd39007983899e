import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** What a fuzz run records of itself blanked: its command line and its duration. */
export const blankRunRecord = (text: string) =>
  text
    .replace(/"command": ?"[^"]*"/g, '"command":"-"')
    .replace(/"durationMs": ?[0-9.]+/g, '"durationMs":0')
    .replace(/\| command \| `[^`]*` \|/g, "| command | - |")
    .replace(/\| duration \| [^|]* \|/g, "| duration | - |");

/** Every file under `dir`, by its path relative to `dir`, with the run's own record blanked. */
export function reportFiles(dir: string, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    if (entry.isDirectory()) for (const [k, v] of reportFiles(dir, rel)) out.set(k, v);
    else out.set(rel, blankRunRecord(readFileSync(join(dir, rel), "utf8")));
  }
  return out;
}
