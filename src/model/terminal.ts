/**
 * Characters that change how a terminal shows text rather than being shown: C0 and C1 controls
 * (ESC starts ANSI sequences; tab and newline are kept), DEL, and the Unicode bidirectional
 * controls that reorder what follows them (Trojan Source). Names and values from input files
 * (application and unit names, charm messages, bag contents) go through escapeTerminal before
 * they reach a terminal or a report.
 */
function unsafe(code: number): boolean {
  if (code < 0x20) return code !== 0x09 && code !== 0x0a;
  if (code >= 0x7f && code <= 0x9f) return true;
  return (
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** The text with every unsafe character written as a visible escape (`\u001b`, `\u202e`). */
export function escapeTerminal(text: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!unsafe(code)) continue;
    // \uXXXX for every character: readable, and still valid inside JSON strings (--json).
    out += `${text.slice(start, i)}\\u${code.toString(16).padStart(4, "0")}`;
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}
