import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDeidentifier, detect } from "../src/deid/index";

/**
 * Inputs built to trigger catastrophic backtracking in careless patterns. The tests only require that
 * detection and rewriting finish and return well-formed results; speed is measured in bench/deid.ts.
 */
const N = 100_000;
const adversarial: Record<string, string> = {
  "a long digit run": "7".repeat(N),
  'repeated "Dr. "': "Dr. ".repeat(N / 4),
  "many capitalised words": "Maria Lopez Anne Carter ".repeat(N / 24),
  "capitalised non-words": "Xqzv Wkrp Jhgf ".repeat(N / 15),
  "huge whitespace": " \t\n".repeat(N / 3),
  "unicode with combining marks and emoji": "Zoë\u0301 👍 Жанна 漢字 \u202e".repeat(N / 14),
  "dotted local parts without an @": "a.".repeat(N / 2),
  "e-mail fragments": "a@b.".repeat(N / 4),
  "dotted quads": "1.1.1.1.".repeat(N / 8),
  colons: ":".repeat(N),
  "hex and colons": "ab:".repeat(N / 3),
  "slashes between numbers": "12/".repeat(N / 3),
  "open phone area codes": "(617) ".repeat(N / 6),
  "digits and dashes": "1-".repeat(N / 2),
  "month names": "March ".repeat(N / 6),
  "URL schemes": "http://".repeat(N / 7),
  "one giant host name": `www.${"a".repeat(N)}`,
  "house numbers without a street": `${"12 ".repeat(N / 3)}Main`,
  "street words without a suffix": `12 ${"Main ".repeat(N / 5)}`,
  "context labels without values": "MRN Account # SSN ".repeat(N / 18),
  '"Last," without a first name': "Smith, ".repeat(N / 7),
  initials: "J. ".repeat(N / 3),
  "a label then capitalised words": `Patient: ${"Abc ".repeat(N / 4)}`,
  apostrophes: "O'".repeat(N / 2),
  "one 100k-letter word": `A${"a".repeat(N)}`,
  "words before a facility suffix": `${"Aaa ".repeat(N / 4)}Hospital`,
  "partial SSNs": "123-45-".repeat(N / 7),
};

describe("adversarial 100k-character inputs finish", () => {
  const deid = createDeidentifier({
    operators: { DATE: "shift", NAME: "surrogate" },
    defaultOperator: "hash",
    strict: true,
    key: new Uint8Array(32).fill(5),
    maxShiftDays: 365,
  });
  for (const [name, text] of Object.entries(adversarial)) {
    it(`${name} (${text.length} chars)`, () => {
      const spans = detect(text, { strict: true });
      for (const s of spans) assert.ok(s.start >= 0 && s.end <= text.length && s.start < s.end);
      const out = deid.deidentify(text);
      assert.equal(typeof out.text, "string");
      assert.equal(out.entities.length, spans.length);
    });
  }
});
