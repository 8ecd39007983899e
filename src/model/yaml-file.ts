import { readFileSync } from "node:fs";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { InputError } from "./errors.js";

/**
 * Parses YAML text and validates it with a zod schema. Errors name the field path and the line
 * in the file, for both YAML syntax errors and schema errors.
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  schema: S,
  fileName: string,
): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new InputError(
      fileName,
      doc.errors.map((e) => ({
        path: "(yaml)",
        message: e.message.split("\n")[0] ?? e.message,
        line: lineCounter.linePos(e.pos[0]).line,
      })),
    );
  }
  const value: unknown = doc.toJS() ?? {};
  const result = schema.safeParse(value);
  if (!result.success) {
    throw InputError.fromZod(fileName, result.error, (path) => {
      // Walk to the deepest node that exists to give the closest line.
      let node: unknown = doc.contents;
      let line: number | undefined;
      const lineOfNode = (n: unknown) => {
        const range = (n as { range?: [number, number, number] } | null)?.range;
        return range ? lineCounter.linePos(range[0]).line : undefined;
      };
      line = lineOfNode(node);
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
    });
  }
  return result.data;
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
