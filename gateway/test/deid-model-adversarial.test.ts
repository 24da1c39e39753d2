import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import type { Deidentifier } from "../src/contracts";
import { createDeidentifier, defaultRegistry } from "../src/deid/index";
import { loadModelRecognizer } from "../src/deid-model/recognizer";

/**
 * Malformed, huge and adversarial text through the served detector (rules + learned model): every case
 * finishes within a generous multiple of a normal note's time measured in the same test, scaled by length, and
 * the identifiers hidden in it come out redacted.
 */
const N = 100_000;
const NOTE =
  "Discharge summary. Patient Maria Lopez (MRN 48213377), seen 03/14/2024 by Dr. Anne Carter for chest pain; " +
  "BP 128/82, Na 138. Call 617-555-0142 with questions.";
const SSN = "123-45-6789";
const ZW = "\u200B";
/** Per character, no case may cost more than this many times a normal note (a loose, load-independent bound). */
const BUDGET_FACTOR = 50;

const adversarial: Record<string, string> = {
  "100k digits": "7".repeat(N),
  "100k capitals": "ABCDEFGHIJ ".repeat(N / 11),
  "unicode confusables": "Ρаtіеnt Јоhn МRΝ ".repeat(N / 17),
  "zero-width characters": `${"a\u200B\u200C\u200D\uFEFF".repeat(N / 5)}`,
  "RTL and bidi marks": "\u202Eevila\u202C \u200F\u2067x\u2069 ".repeat(N / 13),
  "fullwidth digits": "１２３４５ ".repeat(N / 6),
};

let deid: Deidentifier & { deidentifyAsync(text: string): Promise<{ text: string }> };
let close: () => Promise<void>;

before(async () => {
  const model = await loadModelRecognizer();
  close = () => model.close();
  const d = createDeidentifier(
    {
      operators: {},
      defaultOperator: "replace",
      strict: false,
      key: new Uint8Array(32).fill(7),
      maxShiftDays: 30,
    },
    { registry: defaultRegistry().add(model) },
  );
  deid = d as typeof deid;
});
after(() => close());

async function secondsPerChar(text: string): Promise<number> {
  const t0 = performance.now();
  await deid.deidentifyAsync(text);
  return (performance.now() - t0) / text.length;
}

describe("rules + model on adversarial 100k-character inputs", () => {
  for (const [name, filler] of Object.entries(adversarial)) {
    it(`${name}: finishes within ${BUDGET_FACTOR}x a normal note's time per character and redacts an SSN in it`, {
      timeout: 300_000,
    }, async () => {
      await deid.deidentifyAsync(NOTE); // warm-up
      const normal = await secondsPerChar(NOTE);
      const text = `${filler.slice(0, N / 2)} SSN ${SSN} ${filler.slice(N / 2)}`;
      const t0 = performance.now();
      const out = await deid.deidentifyAsync(text);
      const perChar = (performance.now() - t0) / text.length;
      assert.ok(perChar < normal * BUDGET_FACTOR, `${perChar} ms/char vs a normal note's ${normal}`);
      assert.ok(!out.text.includes(SSN));
    });
  }
});

describe("identifiers disguised with invisible characters or confusables", () => {
  const cases: Record<string, [string, string]> = {
    "an SSN with zero-width spaces between its digits": [`SSN 123${ZW}-45${ZW}-6789 on file`, "6789"],
    "an SSN in fullwidth digits": ["SSN １２３-４５-６７８９ on file", "６７８９"],
    "an e-mail address with a Cyrillic o": ["Write to jоhn.smith@mercy.org today", "mercy.org"],
    "a phone number behind an RTL mark": ["Call \u200F617-555-0142 now", "0142"],
  };
  for (const [name, [text, piece]] of Object.entries(cases)) {
    it(`redacts ${name}, on the original characters`, async () => {
      const out = await deid.deidentifyAsync(text);
      assert.ok(!out.text.includes(piece), out.text);
      assert.ok(!out.text.includes(ZW) || !text.includes(ZW), "the invisible characters inside go with it");
    });
  }
});
