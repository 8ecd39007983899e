import type { z } from "zod";

/** Formats a zod issue path as `a.b[0].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

export interface InputIssue {
  /** Field path inside the input, e.g. `relations[0].remoteUnitsData.0`. */
  path: string;
  message: string;
  /** 1-based line of the field in the source file, when the input came from a file. */
  line?: number;
}

/**
 * Bad input at a boundary (metadata, config, state, scenario and replay files): names every
 * offending field. Nothing has been run or written when it is thrown.
 */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    readonly what: string,
    readonly issues: readonly InputIssue[],
  ) {
    super(
      `invalid ${what}: ${issues
        .map((i) => `${i.path}${i.line !== undefined ? ` (line ${i.line})` : ""}: ${i.message}`)
        .join("; ")}`,
    );
  }

  static fromZod(
    what: string,
    error: z.ZodError,
    lineOf?: (path: PropertyKey[]) => number | undefined,
  ) {
    const issues: InputIssue[] = [];
    const add = (path: PropertyKey[], message: string) => {
      const line = lineOf?.(path);
      issues.push({ path: formatPath(path), message, ...(line !== undefined ? { line } : {}) });
    };
    const visit = (issue: z.core.$ZodIssue, prefix: PropertyKey[]) => {
      const path = [...prefix, ...issue.path];
      if (issue.code === "unrecognized_keys") {
        // An unknown key is reported at the key itself, so the path names the offending field.
        for (const key of issue.keys) {
          add([...path, key], "unknown field; remove it or check its spelling");
        }
      } else if (issue.code === "invalid_union") {
        // When the input has the shape of exactly one alternative, report that alternative's
        // problems (e.g. `requires.db.interface`) rather than a bare "invalid input".
        const shaped = issue.errors.filter(
          (branch) => !branch.every((i) => i.code === "invalid_type" && i.path.length === 0),
        );
        const only = shaped.length === 1 ? shaped[0] : undefined;
        if (only) for (const inner of only) visit(inner, path);
        else add(path, issue.message);
      } else if (issue.code === "invalid_key") {
        // A record key that breaks the key schema: report why, at the key.
        add(path, issue.issues.map((i) => i.message).join("; ") || issue.message);
      } else add(path, issue.message);
    };
    for (const issue of error.issues) visit(issue, []);
    return new InputError(what, issues);
  }
}

/** Parses `input` with `schema`, throwing an InputError that names the bad fields. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw InputError.fromZod(what, result.error);
  return result.data;
}

/**
 * An error as one line, `Name: message`. An Error built from another error's text (whose
 * message already starts with a name, as `new Error("TypeError: x")`) keeps that text as it is,
 * so a message never reads "Error: Error: ...".
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const named = /^[A-Za-z_$][\w$.]*: /.exec(error.message);
  if (named && (error.name === "Error" || named[0] === `${error.name}: `)) return error.message;
  return `${error.name}: ${error.message}`;
}
