// Module hooks that append every resolved module URL to the file named by CHARMSIM_TRACE_FILE,
// so a test can see what a command loads.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const file = process.env.CHARMSIM_TRACE_FILE;
  if (file) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
