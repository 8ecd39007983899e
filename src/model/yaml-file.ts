import { readFileSync } from "node:fs";
import { type Document, isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { InputError } from "./errors.js";

/**
 * The largest YAML text read: charm metadata and scenario files are a few kilobytes, and the
 * parser takes seconds per megabyte.
 */
export const MAX_YAML_BYTES = 1024 * 1024;
/** The deepest nesting of collections accepted; real files stay under ten. */
export const MAX_YAML_DEPTH = 64;
/**
 * At most this many alias expansions are made building the value, so a "billion laughs" file
 * (aliases of aliases) is refused instead of filling memory.
 */
export const MAX_YAML_ALIASES = 100;

/**
 * How deeply the collections of a YAML text nest, and the line where that depth is first
 * reached: a linear scan run before parsing, since the YAML parser's time and stack grow with
 * the depth. It follows flow brackets (outside quotes and comments), block indentation and
 * compact `- ` sequences, and skips block scalars; it may count a level too many in odd layouts,
 * which only matters past MAX_YAML_DEPTH.
 */
export function yamlNestingDepth(text: string): { depth: number; line: number } {
  let max = 0;
  let maxLine = 1;
  let flow = 0;
  let line = 1;
  const indents: number[] = [];
  let blockScalarParent = -1; // indentation of the line that opened a block scalar
  let i = 0;
  const n = text.length;
  const note = (depth: number) => {
    if (depth > max) {
      max = depth;
      maxLine = line;
    }
  };
  while (i < n) {
    // At the start of a line.
    let col = 0;
    while (i + col < n && text[i + col] === " ") col++;
    const first = text[i + col];
    const blank = first === undefined || first === "\n" || first === "\r" || first === "#";
    if (blockScalarParent >= 0 && (blank || col > blockScalarParent)) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
      line++;
      continue;
    }
    blockScalarParent = -1;
    let j = i + col;
    if (flow === 0 && !blank) {
      // Compact sequences (`- - x`) and explicit keys open a level at each marker's column.
      let pos = col;
      for (;;) {
        while (indents.length > 0 && (indents.at(-1) ?? 0) >= pos) indents.pop();
        indents.push(pos);
        const c = text[j];
        const next = text[j + 1];
        if ((c === "-" || c === "?") && (next === " " || next === "\n" || next === undefined)) {
          j += 1;
          pos += 1;
          while (text[j] === " ") {
            j++;
            pos++;
          }
          continue;
        }
        break;
      }
      note(indents.length);
    }
    // The rest of the line: flow brackets, quotes, comments, a block scalar indicator.
    let prev = " ";
    let lastSignificant = "";
    while (j < n && text[j] !== "\n") {
      const c = text[j] as string;
      if (c === "#" && (prev === " " || prev === "\t")) {
        while (j < n && text[j] !== "\n") j++;
        break;
      }
      const opensScalar = ":-[{,?".includes(lastSignificant) || lastSignificant === "";
      if ((c === '"' || c === "'") && opensScalar && (prev === " " || "[{,".includes(prev))) {
        // A quoted scalar, possibly over several lines.
        j++;
        while (j < n) {
          const q = text[j];
          if (q === "\n") line++;
          if (c === '"' && q === "\\") j += 2;
          else if (q === c) {
            if (c === "'" && text[j + 1] === "'") j += 2;
            else break;
          } else j++;
        }
        prev = c;
        lastSignificant = c;
        j++;
        continue;
      }
      if ((c === "[" || c === "{") && opensScalar) {
        flow++;
        note(indents.length + flow);
      } else if ((c === "]" || c === "}") && flow > 0) flow--;
      if (c !== " " && c !== "\t" && c !== "\r") lastSignificant = c;
      prev = c;
      j++;
    }
    // `key: |` or `- >-` (with an optional comment): the more indented lines after it are text.
    if (flow === 0 && /(^|[\s:-])[|>][0-9+-]*(\s+#.*)?\s*$/.test(text.slice(i, j))) {
      blockScalarParent = col;
    }
    i = j + 1;
    line++;
  }
  return { depth: max, line: maxLine };
}

/** A parsed YAML document, checked for syntax and for hostile size and nesting. */
export interface ParsedYaml {
  readonly fileName: string;
  readonly doc: Document.Parsed;
  /** The line of the node at `path` (or of the closest node above it that exists). */
  readonly lineOf: (path: readonly PropertyKey[]) => number | undefined;
}

/**
 * Parses YAML text into a document, refusing hostile input with an InputError before it costs
 * much: texts over MAX_YAML_BYTES and nesting past MAX_YAML_DEPTH. Syntax errors name their line.
 */
export function parseYamlDocument(text: string, fileName: string): ParsedYaml {
  const refuse = (message: string, line?: number): never => {
    throw new InputError(fileName, [
      { path: "(yaml)", message, ...(line !== undefined ? { line } : {}) },
    ]);
  };
  if (text.length > MAX_YAML_BYTES) {
    refuse(`the file is too large (${text.length} characters; at most ${MAX_YAML_BYTES})`);
  }
  const nesting = yamlNestingDepth(text);
  if (nesting.depth > MAX_YAML_DEPTH) {
    refuse(`nested too deeply (more than ${MAX_YAML_DEPTH} levels)`, nesting.line);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new InputError(
      fileName,
      doc.errors.map((e) => ({
        path: "(yaml)",
        message: /call stack/i.test(e.message)
          ? "nested too deeply"
          : (e.message.split("\n")[0] ?? e.message),
        line: lineCounter.linePos(e.pos[0]).line,
      })),
    );
  }
  const lineOfNode = (n: unknown) => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  // Walk to the deepest node that exists to give the closest line.
  const lineOf = (path: readonly PropertyKey[]) => {
    let node: unknown = doc.contents;
    let line = lineOfNode(node);
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(key),
        );
        // A missing field is reported at its parent's key; a present one at its own key.
        if (!pair) break;
        line = lineOfNode(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof key === "number") {
        node = node.items[key];
        line = lineOfNode(node) ?? line;
      } else break;
    }
    return line;
  };
  return { fileName, doc, lineOf };
}

/**
 * Builds the value of a parsed document and validates it with a zod schema; errors name the
 * field path and its line. Alias expansion past MAX_YAML_ALIASES (a "billion laughs" file) is
 * refused with an InputError.
 */
export function validateYaml<S extends z.ZodType>(parsed: ParsedYaml, schema: S): z.output<S> {
  const { doc, fileName } = parsed;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (e) {
    // The yaml package signals an alias bomb with a ReferenceError; a RangeError is the stack.
    const refuse = (message: string) => new InputError(fileName, [{ path: "(yaml)", message }]);
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw refuse(
        `too many alias expansions (more than ${MAX_YAML_ALIASES}): aliases that expand aliases, as in a "billion laughs" file`,
      );
    }
    if (e instanceof RangeError) throw refuse("nested too deeply");
    throw e;
  }
  const result = schema.safeParse(value);
  if (!result.success) throw InputError.fromZod(fileName, result.error, parsed.lineOf);
  return result.data;
}

/**
 * Parses YAML text and validates it with a zod schema. Errors name the field path and the line
 * in the file, for both YAML syntax errors and schema errors. Hostile input is refused with an
 * InputError before it costs much: texts over MAX_YAML_BYTES, nesting past MAX_YAML_DEPTH, and
 * alias expansion past MAX_YAML_ALIASES.
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  schema: S,
  fileName: string,
): z.output<S> {
  return validateYaml(parseYamlDocument(text, fileName), schema);
}

/** Reads and validates a YAML file; unreadable files become an InputError naming the file. */
export function readYamlFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(path, [{ path: "(file)", message: (e as Error).message }]);
  }
  return parseYaml(text, schema, path);
}
