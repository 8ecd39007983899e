import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Context } from "../../src/harness/context.js";
import { InputError } from "../../src/model/errors.js";
import {
  type CharmSpec,
  charmSpec,
  configMetaSchema,
  configWithDefaults,
  findEndpoint,
  loadCharmSpec,
} from "../../src/model/metadata.js";
import { State } from "../../src/model/state.js";
import {
  MAX_YAML_BYTES,
  MAX_YAML_DEPTH,
  parseYaml,
  yamlNestingDepth,
} from "../../src/model/yaml-file.js";
import { charmClass } from "../harness/helpers.js";

const charms = join(import.meta.dirname, "..", "..", "fixtures", "charms");

/** Runs `fn`, which must throw an InputError, and returns it. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

/** The parts of a spec both file layouts describe. */
function essentials(spec: CharmSpec) {
  const { name, subordinate, provides, requires, peers } = spec.meta;
  return {
    name,
    subordinate,
    provides,
    requires,
    peers,
    actions: spec.actions,
    config: spec.config,
  };
}

describe("metadata from objects", () => {
  it("applies defaults and keeps what was given", () => {
    const spec = charmSpec({ meta: { name: "tiny" } });
    expect(spec.meta).toEqual({
      name: "tiny",
      subordinate: false,
      provides: {},
      requires: {},
      peers: {},
    });
    expect(spec.actions).toEqual({});
    expect(spec.config).toEqual({ options: {} });
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it("accepts Juju's short endpoint form `endpoint: interface`", () => {
    const spec = charmSpec({ meta: { name: "x", requires: { db: "mysql" } } });
    expect(spec.meta.requires.db).toEqual({ interface: "mysql" });
    expect(findEndpoint(spec.meta, "db")).toEqual({
      role: "requires",
      spec: { interface: "mysql" },
    });
    expect(findEndpoint(spec.meta, "nope")).toBeUndefined();
  });

  it("config defaults apply under the State's values", () => {
    const spec = charmSpec({
      meta: { name: "x" },
      config: { options: { a: { type: "int", default: 1 }, b: { type: "string" } } },
    });
    expect(configWithDefaults(spec.config, {})).toEqual({ a: 1 });
    expect(configWithDefaults(spec.config, { a: 2, b: "s" })).toEqual({ a: 2, b: "s" });
  });

  const bad: [string, Parameters<typeof charmSpec>[0], string, RegExp][] = [
    ["a missing name", { meta: {} as never }, "name", /expected string/],
    [
      "an endpoint without interface",
      { meta: { name: "x", requires: { db: {} as never } } },
      "requires.db.interface",
      /expected string/,
    ],
    [
      "a bad endpoint name",
      { meta: { name: "x", provides: { Web: { interface: "http" } } } },
      "provides.Web",
      /lowercase/,
    ],
    [
      "a limit of 0",
      { meta: { name: "x", requires: { db: { interface: "db", limit: 0 } } } },
      "requires.db.limit",
      /Too small/,
    ],
    [
      "an unknown scope",
      { meta: { name: "x", requires: { db: { interface: "db", scope: "model" as never } } } },
      "requires.db.scope",
      /global.*container/,
    ],
    [
      "an endpoint declared twice",
      {
        meta: {
          name: "x",
          requires: { db: { interface: "db" } },
          provides: { db: { interface: "db" } },
        },
      },
      "requires.db",
      /declared in both provides and requires; rename one/,
    ],
    [
      "a subordinate without a container endpoint",
      { meta: { name: "x", subordinate: true, requires: { host: { interface: "juju-info" } } } },
      "subordinate",
      /scope: container/,
    ],
    [
      "a config default of the wrong type",
      { meta: { name: "x" }, config: { options: { port: { type: "int", default: "80" } } } },
      "options.port.default",
      /not of type int/,
    ],
    [
      "an unknown config type",
      { meta: { name: "x" }, config: { options: { port: { type: "integer" as never } } } },
      "options.port.type",
      /expected one of/,
    ],
    [
      "an invalid action name",
      { meta: { name: "x" }, actions: { Backup_Now: {} } },
      "Backup_Now",
      /action names are lowercase/,
    ],
    [
      "an unknown action param type",
      { meta: { name: "x" }, actions: { backup: { params: { n: { type: "int" as never } } } } },
      "backup.params.n.type",
      /expected one of/,
    ],
    [
      "required params that are not a list",
      { meta: { name: "x" }, actions: { backup: { required: "n" as never } } },
      "backup.required",
      /expected array/,
    ],
  ];
  for (const [what, input, path, message] of bad) {
    it(`refuses ${what}, naming ${path}`, () => {
      const err = inputError(() => charmSpec(input));
      expect(err.issues.map((i) => i.path)).toContain(path);
      expect(err.issues.find((i) => i.path === path)?.message).toMatch(message);
      expect(err.message).toContain(path);
    });
  }

  it("a valid subordinate passes", () => {
    const spec = charmSpec({
      meta: {
        name: "agent",
        subordinate: true,
        requires: { host: { interface: "juju-info", scope: "container" } },
      },
    });
    expect(spec.meta.subordinate).toBe(true);
  });

  it("a Context built from bad metadata refuses before any charm code runs", () => {
    const Charm = charmClass();
    const err = inputError(
      () => new Context(Charm, { meta: { name: "x", requires: { db: {} as never } } }),
    );
    expect(err.issues[0]?.path).toBe("requires.db.interface");
    expect(Charm.built).toBe(0);
  });
});

describe("metadata from files", () => {
  it("reads charmcraft.yaml with actions and config in it", () => {
    const spec = loadCharmSpec(join(charms, "web-charmcraft"));
    expect(spec.meta.name).toBe("web");
    expect(spec.meta.requires).toEqual({
      db: { interface: "mysql", limit: 1 },
      logging: { interface: "loki_push_api" },
    });
    expect(spec.meta.peers).toEqual({ cluster: { interface: "web-cluster" } });
    expect(spec.actions.backup?.required).toEqual(["target"]);
    expect(spec.actions.backup?.params.retries).toEqual({ type: "integer", default: 3 });
    expect(spec.config.options.port).toEqual({
      type: "int",
      default: 8080,
      description: "Port to listen on.",
    });
  });

  it("reads metadata.yaml + actions.yaml + config.yaml to the same spec", () => {
    const split = loadCharmSpec(join(charms, "web-split"));
    const single = loadCharmSpec(join(charms, "web-charmcraft"));
    expect(essentials(split)).toEqual(essentials(single));
  });

  it("a loaded spec drives a Context", () => {
    const Charm = charmClass((charm, fw) => {
      fw.observe(charm.on.action("backup"), (e) => e.setResults({ ...e.params }));
    });
    const ctx = new Context(Charm, { spec: loadCharmSpec(join(charms, "web-split")) });
    expect(ctx.unitName).toBe("web/0");
    ctx.run(ctx.on.action("backup", { params: { target: "s3" } }), new State());
    expect(ctx.actionResults).toEqual({ target: "s3", retries: 3 });
  });

  it("malformed YAML names the file and the line", () => {
    const err = inputError(() => loadCharmSpec(join(charms, "bad-yaml")));
    expect(err.what).toMatch(/bad-yaml\/metadata\.yaml$/);
    expect(err.issues).toEqual([
      { path: "(yaml)", message: expect.stringMatching(/unique/), line: 5 },
    ]);
  });

  it("malformed metadata names each field and its line", () => {
    const err = inputError(() => loadCharmSpec(join(charms, "bad-metadata")));
    expect(err.what).toMatch(/bad-metadata\/metadata\.yaml$/);
    expect(err.issues.map((i) => [i.path, i.line])).toEqual(
      expect.arrayContaining([
        ["requires.db.interface", 4],
        ["provides.website.limit", 9],
      ]),
    );
    expect(err.message).toMatch(/requires\.db\.interface \(line 4\)/);
  });

  it("malformed config.yaml names the field and line", () => {
    const err = inputError(() => loadCharmSpec(join(charms, "bad-config")));
    expect(err.what).toMatch(/bad-config\/config\.yaml$/);
    expect(err.issues.map((i) => [i.path, i.line])).toEqual([
      ["options.port.default", 4],
      ["options.mode.type", 6],
    ]);
  });

  it("malformed actions.yaml names the field and line", () => {
    const err = inputError(() => loadCharmSpec(join(charms, "bad-actions")));
    expect(err.what).toMatch(/bad-actions\/actions\.yaml$/);
    expect(err.issues.map((i) => [i.path, i.line])).toEqual([
      ["backup.params.target.type", 4],
      ["Restore_Now", 5],
    ]);
    expect(err.issues[1]?.message).toMatch(/action names are lowercase/);
  });

  it("cross-field rules in charmcraft.yaml name the field and line too", () => {
    const err = inputError(() => loadCharmSpec(join(charms, "bad-charmcraft")));
    expect(err.what).toMatch(/bad-charmcraft\/charmcraft\.yaml$/);
    expect(err.issues.map((i) => [i.path, i.line])).toEqual(
      expect.arrayContaining([
        ["config.options.debug.default", 11],
        ["subordinate", 3],
      ]),
    );
  });

  describe("in a scratch directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "charmsim-meta-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("a directory without metadata is refused, naming it", () => {
      const err = inputError(() => loadCharmSpec(dir));
      expect(err.message).toContain(dir);
      expect(err.message).toMatch(/no metadata\.yaml or charmcraft\.yaml/);
    });

    it("an endpoint declared under two roles names one of them and its line", () => {
      writeFileSync(
        join(dir, "metadata.yaml"),
        "name: dup\nrequires:\n  db:\n    interface: a\nprovides:\n  db:\n    interface: a\n",
      );
      const err = inputError(() => loadCharmSpec(dir));
      expect(err.issues).toEqual([
        {
          path: "requires.db",
          message: expect.stringMatching(/declared in both provides and requires/),
          line: 3,
        },
      ]);
    });

    it("an empty metadata.yaml reports the missing name", () => {
      writeFileSync(join(dir, "metadata.yaml"), "");
      const err = inputError(() => loadCharmSpec(dir));
      expect(err.issues.map((i) => i.path)).toEqual(["name"]);
    });
  });
});

describe("parseYaml", () => {
  it("gives the line of a nested field", () => {
    const err = inputError(() =>
      parseYaml("options:\n  a:\n    type: int\n    default: x\n", configMetaSchema, "config.yaml"),
    );
    expect(err.issues).toEqual([
      { path: "options.a.default", message: 'default "x" is not of type int', line: 4 },
    ]);
  });

  it("reports a syntax error with its line", () => {
    const err = inputError(() => parseYaml("a: [1, 2\nb: 3\n", configMetaSchema, "x.yaml"));
    expect(err.issues[0]?.path).toBe("(yaml)");
    expect(err.issues[0]?.line).toBeGreaterThanOrEqual(1);
  });
});

/** A "billion laughs" file: nine levels of aliases, each expanding the one before nine times. */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ..."bcdefghi".split("").map((x, i) => {
    const prev = "abcdefgh"[i];
    return `${x}: &${x} [${Array.from({ length: 9 }, () => `*${prev}`).join(",")}]`;
  }),
  "name: *i",
  "",
].join("\n");

describe("hostile YAML: refused as input, quickly", () => {
  const within = <T>(ms: number, fn: () => T): T => {
    const start = performance.now();
    const out = fn();
    expect(performance.now() - start).toBeLessThan(ms);
    return out;
  };

  it("an alias bomb is an InputError, not a ReferenceError, from parseYaml and loadCharmSpec", () => {
    const err = within(2000, () => inputError(() => parseYaml(ALIAS_BOMB, z.unknown(), "x.yaml")));
    expect(err.message).toMatch(/^invalid x\.yaml: \(yaml\): too many alias expansions/);
    const dir = mkdtempSync(join(tmpdir(), "charmsim-meta-"));
    writeFileSync(join(dir, "metadata.yaml"), ALIAS_BOMB);
    const fromDir = within(2000, () => inputError(() => loadCharmSpec(dir)));
    expect(fromDir.message).toMatch(/metadata\.yaml: \(yaml\): too many alias expansions/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a few aliases are fine", () => {
    const spec = parseYaml("a: &x 1\nb: *x\nc: *x\n", z.record(z.string(), z.number()), "x");
    expect(spec).toEqual({ a: 1, b: 1, c: 1 });
  });

  it.each([
    ["flow sequences", `name: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`],
    ["flow maps", `name: ${"{a: ".repeat(50_000)}1${"}".repeat(50_000)}\n`],
    ["compact sequences", `${"- ".repeat(50_000)}x\n`],
    [
      "indented maps",
      `${Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n")} 1\n`,
    ],
  ])("nesting past the limit (%s): 'nested too deeply' with its line", (_what, text) => {
    const err = within(2000, () => inputError(() => parseYaml(text, z.unknown(), "deep.yaml")));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.message).toBe(`nested too deeply (more than ${MAX_YAML_DEPTH} levels)`);
    expect(err.issues[0]?.line).toBeGreaterThanOrEqual(1);
  });

  it("a file past the size limit is refused before parsing", () => {
    const text = `name: "${"x".repeat(MAX_YAML_BYTES)}"\n`;
    const err = within(2000, () => inputError(() => parseYaml(text, z.unknown(), "big.yaml")));
    expect(err.issues[0]?.message).toMatch(/^the file is too large/);
  });

  it("measures nesting as the parser sees it, skipping quotes, comments and block scalars", () => {
    expect(yamlNestingDepth("a: 1\nb:\n  c:\n    - x\n    - y: [1, [2, {z: 3}]]\n").depth).toBe(7);
    expect(yamlNestingDepth("- - - a\n").depth).toBe(4);
    const flat = [
      "a: 'it''s [not' # [[[",
      'b: "q [ \\" ["',
      "c: it's [x",
      "d: |",
      "  [[[[",
      "      [[[[",
      "e: >-",
      "    {{{",
      "f: 1",
    ].join("\n");
    expect(yamlNestingDepth(flat).depth).toBe(1);
    // Files within the limit parse as before.
    expect(
      parseYaml(
        `v: ${"[".repeat(MAX_YAML_DEPTH - 1)}${"]".repeat(MAX_YAML_DEPTH - 1)}\n`,
        z.unknown(),
        "x",
      ),
    ).toBeDefined();
  });
});
