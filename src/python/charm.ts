/**
 * `pythonCharm(dir)`: an unmodified Python `ops` charm, usable wherever charmsim takes a charm
 * class (`Simulation.deploy`, `new Context`). Its metadata comes from the directory
 * (charmcraft.yaml, or metadata.yaml with actions.yaml and config.yaml); its code is
 * `src/charm.py`, run hook by hook in a Python worker (see dispatch).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { CharmClass } from "../harness/ops/charm.js";
import { InputError, parseWith } from "../model/errors.js";
import { type CharmSpec, loadCharmSpec } from "../model/metadata.js";
import { defaultPython } from "./worker.js";

export interface PythonCharmOptions {
  /** The interpreter (default: the project's .venv, else `python3` on PATH; or CHARMSIM_PYTHON). */
  readonly python?: string;
  /** The CharmBase subclass to run, when src/charm.py defines more than one. */
  readonly className?: string;
  /** A hook's time limit in seconds (default 60); past it the hook fails and the worker restarts. */
  readonly hookTimeout?: number;
}

const optionsSchema = z.strictObject({
  python: z.string().min(1, "name an interpreter, e.g. .venv/bin/python").optional(),
  className: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a Python class name")
    .optional(),
  hookTimeout: z.number().positive("a number of seconds above 0").optional(),
});

/** What charmsim needs to run a Python charm. */
export interface PythonCharmInfo {
  /** Absolute path of the charm directory. */
  readonly dir: string;
  readonly python: string;
  readonly className: string | null;
  readonly hookTimeoutMs: number;
  /** The metadata read from the directory. */
  readonly spec: CharmSpec;
}

export const PYTHON_CHARM: unique symbol = Symbol.for("charmsim.pythonCharm");

/** A Python charm in a charm class's place; `spec` is its metadata, for `deploy(..., { spec })`. */
export type PythonCharm = CharmClass & {
  readonly spec: CharmSpec;
  readonly [PYTHON_CHARM]: PythonCharmInfo;
};

export function isPythonCharm(charm: CharmClass): charm is PythonCharm {
  return PYTHON_CHARM in charm;
}

const DEFAULT_HOOK_TIMEOUT_S = 60;

/** Loads a Python charm directory; throws InputError naming what is missing or wrong. */
export function pythonCharm(dir: string, options: PythonCharmOptions = {}): PythonCharm {
  const o = parseWith(optionsSchema, options, "pythonCharm options");
  const abs = resolve(dir);
  if (!existsSync(join(abs, "src", "charm.py"))) {
    throw new InputError("Python charm directory", [
      { path: "dir", message: `${join(abs, "src", "charm.py")} does not exist` },
    ]);
  }
  const spec = loadCharmSpec(abs);
  const info: PythonCharmInfo = Object.freeze({
    dir: abs,
    // A path is taken from here (the worker runs in charmsim's python/ directory); a bare name
    // such as "python3" is looked up on PATH.
    python:
      o.python === undefined
        ? defaultPython()
        : o.python.includes("/")
          ? resolve(o.python)
          : o.python,
    className: o.className ?? null,
    hookTimeoutMs: (o.hookTimeout ?? DEFAULT_HOOK_TIMEOUT_S) * 1000,
    spec,
  });
  const label = `python:${spec.meta.name}`;
  // Constructed only by code that wants a TypeScript charm object (Simulation.exec): refuse.
  const charm = function PythonCharmPlaceholder(): never {
    throw new TypeError(
      `${label} is a Python charm: charmsim runs it through hooks and actions only, it has no TypeScript object to call`,
    );
  } as unknown as CharmClass;
  Object.defineProperty(charm, "name", { value: label });
  Object.defineProperty(charm, "spec", { value: spec, enumerable: true });
  Object.defineProperty(charm, PYTHON_CHARM, { value: info });
  return charm as PythonCharm;
}
