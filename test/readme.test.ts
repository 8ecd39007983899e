import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// README example: begin
import { ActiveStatus, CharmBase, Context, type Framework, Relation, State } from "../src/index.js";

class Echo extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.relation("db").changed, (event) => {
      const url = event.app ? event.relation.data.get(event.app).get("url") : undefined;
      event.relation.data.get(this.unit).set("seen", url ?? "none");
      this.unit.status = new ActiveStatus();
    });
  }
}

it("echoes the remote application's url", () => {
  const ctx = new Context(Echo, { meta: { name: "echo", requires: { db: { interface: "db" } } } });
  const rel = new Relation({ endpoint: "db", remoteAppData: { url: "db://x" } });
  const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
  expect(out.getRelation(rel.id)?.localUnitData.seen).toBe("db://x");
  expect(out.unitStatus).toEqual(new ActiveStatus());
});
// README example: end

describe("README", () => {
  it("shows exactly the example tested above", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const block = /## A single-unit test\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const self = readFileSync(new URL(import.meta.url), "utf8");
    const example = /\/\/ README example: begin\n([\s\S]*?)\/\/ README example: end/.exec(
      self,
    )?.[1];
    const normalise = (s: string) =>
      s
        .replace(/import \{ expect, it \} from "vitest";\n/, "")
        .replace(/from "(charmsim|\.\.\/src\/index\.js)"/, 'from "charmsim"')
        .trim();
    expect(block).toBeDefined();
    expect(normalise(block ?? "")).toBe(normalise(example ?? ""));
  });
});
