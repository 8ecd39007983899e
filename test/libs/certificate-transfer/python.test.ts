// The Python semantics the ports rely on: json.loads/json.dumps, repr, sorted(), set order, and
// the databag models' pydantic rules.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JujuLogger, type LogLine } from "../../../src/harness/ops/framework.js";
import {
  type BagReader,
  loadModel,
  providerApplicationData,
  providerUnitDataV0,
  pydanticLaxInt,
} from "../../../src/libs/certificate-transfer/databag.js";
import {
  DataValidationError,
  dataValidationError,
  TLSCertificatesError,
} from "../../../src/libs/certificate-transfer/errors.js";
import {
  compareCodePoints,
  JsonDecodeError,
  JsonIntegerLimitError,
  JsonNestingLimitError,
  pyDictRepr,
  pyJsonDumps,
  pyJsonLoads,
  pyStrRepr,
  pyTupleRepr,
  sortedCodePoints,
} from "../../../src/libs/certificate-transfer/python.js";
import { hookSetOrder } from "../../../src/libs/certificate-transfer/set-order.js";
import { parseErrorMessage as v1ParseErrorMessage } from "../../../src/libs/certificate-transfer/v1.js";

const bag = (data: Record<string, string>): BagReader => ({ entries: () => Object.entries(data) });

describe("pyJsonLoads (Python json.loads)", () => {
  it("parses ints as bigints and floats as numbers", () => {
    expect(pyJsonLoads("1")).toBe(1n);
    expect(pyJsonLoads("-0")).toBe(0n);
    expect(pyJsonLoads("1.0")).toBe(1);
    expect(pyJsonLoads("1e2")).toBe(100);
    expect(pyJsonLoads("123456789012345678901234567890")).toBe(123456789012345678901234567890n);
  });

  it("accepts NaN and the infinities, as Python does", () => {
    expect(pyJsonLoads("NaN")).toBeNaN();
    expect(pyJsonLoads("Infinity")).toBe(Number.POSITIVE_INFINITY);
    expect(pyJsonLoads(" [-Infinity] ")).toEqual([Number.NEGATIVE_INFINITY]);
  });

  it("parses strings, escapes and surrogate pairs; keeps lone surrogates", () => {
    expect(pyJsonLoads('"a\\nb\\u00e9\\ud83d\\ude00"')).toBe("a\nbé😀");
    expect(pyJsonLoads('"\\ud800"')).toBe("\ud800");
    expect(pyJsonLoads('{"a": [true, false, null], "a": 2}')).toEqual(new Map([["a", 2n]]));
  });

  it.each([
    "",
    "   ",
    "-----BEGIN CERTIFICATE-----",
    "'single'",
    "[1,]",
    '{"a":1,}',
    "01",
    "1 2",
    '"unterminated',
    '"tab\there"',
    '"\\x41"',
    '"\\u12G4"',
    "\ufeff1",
    "nan",
    "{a: 1}",
  ])("rejects %j with JsonDecodeError", (text) => {
    expect(() => pyJsonLoads(text)).toThrow(JsonDecodeError);
  });

  it("throws a ValueError-kind error for integers over 4300 digits", () => {
    expect(pyJsonLoads("9".repeat(4300))).toBeTypeOf("bigint");
    expect(() => pyJsonLoads("9".repeat(4301))).toThrow(JsonIntegerLimitError);
    expect(() => pyJsonLoads(`[${"9".repeat(5000)}]`)).toThrow(
      /Exceeds the limit \(4300 digits\) for integer string conversion: value has 5000 digits/,
    );
    expect(pyJsonLoads(`${"9".repeat(5000)}.0`)).toBeTypeOf("number");
  });

  it("throws a RecursionError-kind error for very deep nesting", () => {
    expect(pyJsonLoads(`${"[".repeat(900)}${"]".repeat(900)}`)).toBeInstanceOf(Array);
    expect(() => pyJsonLoads(`${"[".repeat(5000)}${"]".repeat(5000)}`)).toThrow(
      JsonNestingLimitError,
    );
  });
});

describe("pyJsonDumps (Python json.dumps)", () => {
  it("long strings dumped again (kept literals) and past the kept number stay exact", () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${"A".repeat(80)}é"\\\n-----END CERTIFICATE-----\n`;
    const expected = `"${pem.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/é/g, "\\u00e9")}"`;
    expect(pyJsonDumps(pem)).toBe(expected);
    expect(pyJsonDumps(pem)).toBe(expected);
    const many = Array.from({ length: 600 }, (_, i) => `${"x".repeat(70)}\t${i}`);
    for (const m of many) expect(pyJsonDumps(m)).toBe(`"${m.replace("\t", "\\t")}"`);
    for (const m of many.slice(0, 5)) expect(pyJsonDumps(m)).toBe(`"${m.replace("\t", "\\t")}"`);
    expect(pyJsonDumps(pem)).toBe(expected);
  });

  it("uses Python's separators and ASCII escapes", () => {
    expect(pyJsonDumps(["a", "b"])).toBe('["a", "b"]');
    expect(pyJsonDumps([])).toBe("[]");
    expect(pyJsonDumps(1)).toBe("1");
    expect(pyJsonDumps('é😀\u007f\n\t"\\')).toBe('"\\u00e9\\ud83d\\ude00\\u007f\\n\\t\\"\\\\"');
    expect(pyJsonDumps("-----BEGIN CERTIFICATE-----\nMIIB\n")).toBe(
      '"-----BEGIN CERTIFICATE-----\\nMIIB\\n"',
    );
  });
});

describe("repr", () => {
  it("quotes and escapes like Python", () => {
    expect(pyStrRepr("abc")).toBe("'abc'");
    expect(pyStrRepr("it's")).toBe(`"it's"`);
    expect(pyStrRepr(`'"`)).toBe(`'\\'"'`);
    expect(pyStrRepr("a\nb\\c\x01\x7f\u00a0é\u200b\ud800😀")).toBe(
      "'a\\nb\\\\c\\x01\\x7f\\xa0é\\u200b\\ud800😀'",
    );
    expect(pyDictRepr([])).toBe("{}");
    expect(pyDictRepr([["certificates", '"some string"']])).toBe(
      `{'certificates': '"some string"'}`,
    );
    expect(pyTupleRepr(["x"])).toBe("('x',)");
    expect(pyTupleRepr(["x", "y"])).toBe("('x', 'y')");
  });
});

describe("sorted order and set order", () => {
  it("compares by code point, not UTF-16 unit", () => {
    expect(["\uffff", "😀", "a", ""].sort(compareCodePoints)).toEqual(["", "a", "\uffff", "😀"]);
    expect(sortedCodePoints(["\uffff", "😀", "a", ""])).toEqual(["", "a", "\uffff", "😀"]);
  });

  it("sortedCodePoints agrees with a code-point comparison for any strings", () => {
    // Mixes strings that take the native fast path (no unit >= U+D800) with ones that do not.
    const str = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme-ascii" }));
    fc.assert(
      fc.property(fc.array(str, { maxLength: 8 }), (items) => {
        const byPoints = (a: string, b: string) => {
          const x = Array.from(a, (c) => c.codePointAt(0)!);
          const y = Array.from(b, (c) => c.codePointAt(0)!);
          for (let i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i] !== y[i]) return x[i]! - y[i]!;
          }
          return x.length - y.length;
        };
        expect(sortedCodePoints(new Set(items))).toEqual([...new Set(items)].sort(byPoints));
      }),
    );
  });

  it("sorts long strings by code point, on first sight and again (their scan is kept)", () => {
    const head = "-----BEGIN CERTIFICATE-----\n".repeat(4);
    const astral = `${head}😀`; // a surrogate pair: after U+FFFF by code point
    const private_ = `${head}\uffff`; // before it by code point, after it by UTF-16 unit
    const plain = `${head}z`;
    for (let i = 0; i < 2; i++) {
      expect(sortedCodePoints([astral, private_, plain])).toEqual([plain, private_, astral]);
      expect(sortedCodePoints(new Set([plain, `${head}a`]))).toEqual([`${head}a`, plain]);
    }
    expect(sortedCodePoints([astral])).toEqual([astral]);
  });

  it("gives one order per seed, independent of insertion order, varying across seeds", () => {
    const items = ["c1", "c2", "c3", "c4", "c5"];
    expect(hookSetOrder(items, 7)).toEqual(hookSetOrder([...items].reverse(), 7));
    expect(new Set(hookSetOrder(items, 7))).toEqual(new Set(items));
    const orders = new Set(
      Array.from({ length: 20 }, (_, seed) => hookSetOrder(items, seed).join()),
    );
    expect(orders.size).toBeGreaterThan(5);
  });
});

describe("databag models (pydantic lax rules)", () => {
  const lines: LogLine[] = [];
  const logger = new JujuLogger(lines);

  it("loads the empty bag with defaults", () => {
    expect(loadModel(providerApplicationData, bag({}), logger)).toEqual({
      certificates: new Set(),
      version: 1,
    });
  });

  it.each([
    ["1", 1],
    ['"1"', 1],
    ["1.0", 1],
    ["true", 1],
    ['" 2 "', 2],
    ['"3.00"', 3],
    ['"1_000"', 1000],
  ])("loads version %s as %s", (version, expected) => {
    expect(loadModel(providerApplicationData, bag({ version }), logger).version).toBe(expected);
  });

  it.each(["1.5", "null", '"one"', "[]", "NaN", "1e30"])("rejects version %s", (version) => {
    expect(() => loadModel(providerApplicationData, bag({ version }), logger)).toThrow(
      "failed to validate databag",
    );
  });

  it.each(['"some string"', "{}", "[1]", "null", '["\\ud800"]'])(
    "rejects certificates %s",
    (certificates) => {
      expect(() => loadModel(providerApplicationData, bag({ certificates }), logger)).toThrow(
        DataValidationError,
      );
    },
  );

  it("answers by content: equal texts built apart, and bags that alternate", () => {
    // Each text is built at run time, so no two are the same string object.
    const text = (...certs: string[]) => JSON.stringify(certs.map((c) => `cert ${c}`));
    const load = (certificates: string) =>
      [...loadModel(providerApplicationData, bag({ certificates }), logger).certificates].sort();
    for (let round = 0; round < 3; round++) {
      expect(load(text("a", "b"))).toEqual(["cert a", "cert b"]);
      expect(load(text("a", "b"))).toEqual(["cert a", "cert b"]);
      expect(load(text("a", "c"))).toEqual(["cert a", "cert c"]);
      expect(load(text("a", "b"))).toEqual(["cert a", "cert b"]);
      expect(() => load(text("a").slice(1))).toThrow(DataValidationError);
      expect(load(text("a"))).toEqual(["cert a"]);
    }
  });

  it("answers by content past its bound: many distinct bags, then the first ones again", () => {
    const text = (i: number) => JSON.stringify([`certificate number ${i} of the many`, `and ${i}`]);
    const load = (certificates: string) =>
      [...loadModel(providerApplicationData, bag({ certificates }), logger).certificates].sort();
    const expected = (i: number) => [`and ${i}`, `certificate number ${i} of the many`];
    // Several times the memos' bound, so every memo drops entries and starts again.
    for (let i = 0; i < 1000; i++) expect(load(text(i))).toEqual(expected(i));
    for (let i = 0; i < 1000; i += 37) expect(load(text(i))).toEqual(expected(i));
    expect(pyJsonLoads(text(0))).toEqual([`certificate number 0 of the many`, `and 0`]);
  });

  it("collapses duplicates and ignores unknown keys (even non-JSON ones)", () => {
    const data = loadModel(
      providerApplicationData,
      bag({ certificates: '["a", "a", "b"]', other: "not json" }),
      logger,
    );
    expect(data.certificates).toEqual(new Set(["a", "b"]));
  });

  it("needs ca and certificate in the v0 unit model", () => {
    expect(() => loadModel(providerUnitDataV0, bag({}), logger)).toThrow(
      "failed to validate databag: {}",
    );
    expect(() => loadModel(providerUnitDataV0, bag({ chain: '["a"]' }), logger)).toThrow(
      DataValidationError,
    );
    expect(
      loadModel(providerUnitDataV0, bag({ ca: '"a"', certificate: '"a"', chain: "null" }), logger),
    ).toEqual({ ca: "a", certificate: "a", chain: null, version: 0 });
  });

  it("logs invalid JSON at ERROR and shape errors at DEBUG", () => {
    lines.length = 0;
    expect(() =>
      loadModel(providerApplicationData, bag({ certificates: "unloadable" }), logger),
    ).toThrow("invalid databag contents: expecting json. {'certificates': 'unloadable'}");
    expect(() => loadModel(providerApplicationData, bag({ version: '"x"' }), logger)).toThrow();
    expect(lines).toEqual([
      {
        level: "ERROR",
        logger: "charm",
        message: "invalid databag contents: expecting json. {'certificates': 'unloadable'}",
      },
      {
        level: "DEBUG",
        logger: "charm",
        message: `failed to validate databag: {'version': '"x"'}`,
      },
    ]);
  });

  it("a bag loaded again gives an equal value the caller may change without affecting later loads", () => {
    const raw = bag({ certificates: '["a", "b"]', version: "1" });
    const first = loadModel(providerApplicationData, raw, logger);
    first.certificates.add("mutated");
    first.certificates.delete("a");
    const second = loadModel(providerApplicationData, raw, logger);
    expect(second.certificates).toEqual(new Set(["a", "b"]));
    expect(second.certificates).not.toBe(first.certificates);
    const chainBag = bag({ ca: '"a"', certificate: '"a"', chain: '["a", "b"]' });
    loadModel(providerUnitDataV0, chainBag, logger).chain?.push("mutated");
    expect(loadModel(providerUnitDataV0, chainBag, logger).chain).toEqual(["a", "b"]);
  });

  it("a bag that failed to load fails, and is logged, every time it is loaded again", () => {
    lines.length = 0;
    const bad = bag({ certificates: "unloadable", other: "x" });
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        loadModel(providerApplicationData, bad, logger);
      } catch (e) {
        errors.push(e);
      }
    }
    expect(errors).toHaveLength(3);
    for (const e of errors) expect(e).toBeInstanceOf(DataValidationError);
    expect(new Set(errors).size).toBe(3); // a fresh error each time, as upstream raises one
    expect(lines.map((l) => l.level)).toEqual(["ERROR", "ERROR", "ERROR"]);
  });

  it("loads stay right past the number of kept outcomes (the table starts afresh)", () => {
    for (let i = 0; i < 1100; i++) {
      expect(loadModel(providerApplicationData, bag({ version: String(i) }), logger).version).toBe(
        i,
      );
    }
    expect(loadModel(providerApplicationData, bag({ version: "7" }), logger).version).toBe(7);
    expect(loadModel(providerApplicationData, bag({ version: "1099" }), logger).version).toBe(1099);
  });

  it("the same raw values under other keys, or in another order, are loaded on their own", () => {
    const a = loadModel(
      providerApplicationData,
      bag({ certificates: '["x"]', version: "2" }),
      logger,
    );
    const b = loadModel(
      providerApplicationData,
      bag({ version: "2", certificates: '["x"]' }),
      logger,
    );
    expect(a).toEqual(b);
    expect(() =>
      loadModel(providerApplicationData, bag({ certificates: "2", version: '["x"]' }), logger),
    ).toThrow(DataValidationError);
    // the same bag under the limit-containing option is a separate entry: the faithful load lets
    // Python's limit error escape, the contained one turns it into a validation failure
    const deep = bag({ certificates: `${"[".repeat(1200)}${"]".repeat(1200)}` });
    expect(() =>
      loadModel(providerApplicationData, deep, logger, { containLimitErrors: true }),
    ).toThrow(DataValidationError);
    expect(() => loadModel(providerApplicationData, deep, logger)).toThrow(JsonNestingLimitError);
  });

  it("pydanticLaxInt follows pydantic's int rules", () => {
    expect(pydanticLaxInt(5n)).toBe(5);
    expect(pydanticLaxInt(false)).toBe(0);
    expect(pydanticLaxInt("+7")).toBe(7);
    expect(pydanticLaxInt("_1")).toBeUndefined();
    expect(pydanticLaxInt("1__0")).toBeUndefined();
    expect(pydanticLaxInt(2 ** 63)).toBeUndefined();
    expect(pydanticLaxInt(null)).toBeUndefined();
  });
});

describe("the library's errors", () => {
  it("carry their names; the hot-path DataValidationError keeps message and cause", () => {
    expect(new TLSCertificatesError("t").name).toBe("TLSCertificatesError");
    expect(new DataValidationError("d").name).toBe("DataValidationError");
    const cause = new Error("why");
    const limit = Error.stackTraceLimit;
    const e = dataValidationError("failed to validate databag: {}", cause);
    expect(e).toBeInstanceOf(DataValidationError);
    expect(e).toBeInstanceOf(TLSCertificatesError);
    expect(e.name).toBe("DataValidationError");
    expect(e.message).toBe("failed to validate databag: {}");
    expect(e.cause).toBe(cause);
    expect(String(e)).toBe("DataValidationError: failed to validate databag: {}");
    expect(Error.stackTraceLimit).toBe(limit); // restored for everything else
  });

  it("JsonDecodeError carries Python's message, reason and position, and no stack frames", () => {
    const limit = Error.stackTraceLimit;
    let caught: unknown;
    try {
      pyJsonLoads("-----BEGIN CERTIFICATE-----");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JsonDecodeError);
    const e = caught as JsonDecodeError;
    expect(e.name).toBe("JsonDecodeError");
    expect(e.reason).toBe("Expecting value");
    expect(e.position).toBe(0);
    expect(String(e)).toBe("JsonDecodeError: Expecting value: char 0");
    // v0 raises one for most values it reads (every PEM): none captures a stack trace.
    expect(e.stack).toBe("JsonDecodeError: Expecting value: char 0");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("x").stack).toMatch(/\n\s+at /);
  });
});

describe("parseErrorMessage (v1 library log line)", () => {
  it("quotes the message as Python's repr does (both quotes: single, escaped), the same again", () => {
    const quoted = new DataValidationError(`failed to validate databag: {'version': '"x"'}`);
    const plain = new DataValidationError("failed to validate databag: {}");
    const tail =
      ", 'Make sure not to interact with the databags except using the public methods in the provider library and use version V1.')";
    for (let i = 0; i < 2; i++) {
      expect(v1ParseErrorMessage(quoted)).toBe(
        `('Error parsing relation databag: ('failed to validate databag: {\\'version\\': \\'"x"\\'}',). '${tail}`,
      );
      expect(v1ParseErrorMessage(plain)).toBe(
        `('Error parsing relation databag: ('failed to validate databag: {}',). '${tail}`,
      );
    }
  });
});
