import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { extname, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError, type InputIssue } from "../../model/errors.js";
import { type FuzzConfig, type ResolvedFuzzConfig, resolveFuzzConfig } from "./config.js";

/** A fuzz config module loaded from a file, with what replay files record of it. */
export interface LoadedFuzzConfig {
  readonly config: FuzzConfig;
  readonly resolved: ResolvedFuzzConfig;
  /** The file's path relative to the working directory, with / separators. */
  readonly path: string;
  /** sha256 of the file's bytes, hex. */
  readonly sha256: string;
}

const TYPESCRIPT = new Set([".ts", ".mts"]);
const JAVASCRIPT = new Set([".js", ".mjs"]);

/** The path replay files record: relative to the working directory, / separated. */
export const configPathOf = (file: string): string =>
  relative(process.cwd(), resolve(file)).split(sep).join("/");

/** sha256 (hex) of a file's bytes; InputError naming the file when it cannot be read. */
export function fileDigest(file: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(what, [
      {
        path: "(file)",
        message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      },
    ]);
  }
  return createHash("sha256").update(bytes).digest("hex");
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Lets Node import TypeScript modules (the config and the charms it imports) without a build
 * step: registers tsx's module hooks for this process, once. The hooks are global (no
 * namespace), so a config importing `charmsim` gets the same module instances as the command line.
 */
function loadTypeScript(): Promise<void> {
  typeScriptLoader ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return typeScriptLoader;
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** An InputError from another copy of charmsim (or this one), recognised by its shape. */
function inputIssues(e: unknown): readonly InputIssue[] | null {
  if (e instanceof InputError) return e.issues;
  if (e instanceof Error && e.name === "InputError" && Array.isArray(Reflect.get(e, "issues")))
    return Reflect.get(e, "issues") as InputIssue[];
  return null;
}

/**
 * Loads `charmsim.config.ts` (or .mts, .js, .mjs): imports the module, takes its default export
 * and validates it. Every problem is an InputError naming the file and the field: a file that
 * cannot be read, a module that fails to load, a missing default export, a bad config.
 */
export async function loadFuzzConfigFile(file: string): Promise<LoadedFuzzConfig> {
  const what = `fuzz config ${file}`;
  const ext = extname(file);
  if (!TYPESCRIPT.has(ext) && !JAVASCRIPT.has(ext)) {
    throw new InputError(what, [
      { path: "(file)", message: "a fuzz config is a .ts, .mts, .js or .mjs module" },
    ]);
  }
  const sha256 = fileDigest(file, what);
  if (TYPESCRIPT.has(ext)) await loadTypeScript();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (e) {
    const issues = inputIssues(e);
    if (issues) throw new InputError(what, issues);
    const text = errorText(e).split("\n")[0] ?? "";
    // tsx loads a .ts file as CommonJS outside an ES module package, and a CommonJS config
    // cannot import charmsim (an ES module) this way.
    const hint =
      ext === ".ts" && /require\(\) ES Module|ERR_REQUIRE_ESM|ERR_REQUIRE_CYCLE_MODULE/.test(text)
        ? ` (${file} is loaded as CommonJS: the nearest package.json has no "type": "module"; add it, or name the config .mts)`
        : "";
    throw new InputError(what, [{ path: "(module)", message: `cannot load: ${text}${hint}` }]);
  }
  const config = module.default;
  if (config === undefined) {
    throw new InputError(what, [
      {
        path: "(default export)",
        message:
          "the module has no default export; end it with export default defineFuzzConfig({ ... })",
      },
    ]);
  }
  let resolved: ResolvedFuzzConfig;
  try {
    resolved = resolveFuzzConfig(config as FuzzConfig);
  } catch (e) {
    const issues = inputIssues(e);
    if (issues) throw new InputError(what, issues);
    throw e;
  }
  return { config: config as FuzzConfig, resolved, path: configPathOf(file), sha256 };
}
