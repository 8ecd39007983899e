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
    return new InputError(
      what,
      error.issues.map((issue) => {
        const line = lineOf?.(issue.path);
        return {
          path: formatPath(issue.path),
          message: issue.message,
          ...(line !== undefined ? { line } : {}),
        };
      }),
    );
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
