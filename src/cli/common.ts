/**
 * What every command of the command line shares. Light on purpose: `charmsim --help` loads
 * this module and commander, and nothing that simulates.
 */
import { readFileSync, statSync } from "node:fs";

/** Runs per fuzz case by default (some cases weigh more): the bundled campaigns take about a minute. */
export const DEFAULT_RUNS = 160;

/** Bad command-line input: reported as one line, exit code 2, nothing written. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether a person watches (standard output is a terminal): progress is then drawn live. */
  readonly isTTY: boolean;
  /** Where live progress is drawn when isTTY (the terminal's standard error). */
  readonly progressStream?: NodeJS.WritableStream;
}

/** A shard of a fuzz run, numbered from 1 as on the command line: `--shard 2/4` is 2 of 4. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Mixes the run seed with a case's name and the shard, so cases and shards explore different seeds. */
export function caseSeed(seed: number, name: string, shard: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of `${name}#${shard}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h & 0x7fff_ffff;
}

/**
 * Splits a case's runs between shards: shard i of n (i from 0 here) gets an nth of the total
 * (the first ones one more when it does not divide), so the shards' runs add up to an unsharded
 * run's; at least 1.
 */
export function shardRuns(total: number, shard: { index: number; count: number }): number {
  const share = Math.floor(total / shard.count) + (shard.index < total % shard.count ? 1 : 0);
  return Math.max(1, share);
}

/** The largest file the commands read (scenario, replay and report files). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Reads a text file; anything that stops it (missing, a directory, too large) is a UsageError. */
export function readText(file: string, maxBytes = MAX_INPUT_BYTES): string {
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`cannot read ${file}: it is a directory (EISDIR)`);
    if (st.size > maxBytes) {
      throw new UsageError(`cannot read ${file}: it is ${st.size} bytes, over ${maxBytes}`);
    }
    return readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** The command line as a person would type it again (arguments quoted when they need it). */
export function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ["charmsim", ...argv.map(quote)].join(" ");
}

/** The package's version (package.json is two levels above src/cli/ and dist/cli/). */
export function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
