import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import type { DeidConfig, DeidOperator, PhiType } from "../src/contracts";
import { createDeidentifier, generaliseZip, parseOperatorSpec, shiftDays } from "../src/deid/index";

const KEY = new Uint8Array(32).map((_, i) => i * 7 + 3);

function config(overrides: Partial<DeidConfig> = {}): DeidConfig {
  return {
    operators: {},
    defaultOperator: "replace",
    strict: false,
    key: KEY,
    maxShiftDays: 365,
    ...overrides,
  };
}

function deid(text: string, overrides: Partial<DeidConfig> = {}) {
  return createDeidentifier(config(overrides)).deidentify(text);
}

describe("operators", () => {
  it("replace writes a type tag", () => {
    assert.equal(deid("Patient: Maria Lopez, MRN 00123456.").text, "Patient: [NAME], MRN [MRN].");
  });

  it("surrogate numbers each distinct entity and reuses the number for the same person", () => {
    const out = deid("Patient: Maria Lopez. Lopez improved. Her son Carlos Diaz visited Maria Lopez.", {
      defaultOperator: "surrogate",
    });
    assert.equal(out.text, "Patient: [NAME_1]. [NAME_1] improved. Her son [NAME_2] visited [NAME_1].");
  });

  it("surrogate numbering restarts for every document", () => {
    const d = createDeidentifier(config({ defaultOperator: "surrogate" }));
    d.deidentify("Patient: Maria Lopez. His son Carlos Diaz.");
    assert.equal(d.deidentify("Patient: Carlos Diaz.").text, "Patient: [NAME_1].");
  });

  it("mask keeps the length and the separators", () => {
    const text = "Call 617-555-0142 now.";
    const out = deid(text, { defaultOperator: "mask" });
    assert.equal(out.text, "Call ***-***-**** now.");
    assert.equal(out.text.length, text.length);
  });

  it("hash writes a tagged, keyed HMAC-SHA256 prefix that is stable for the same value", () => {
    const a = deid("SSN 123-45-6789.", { defaultOperator: "hash" }).text;
    const b = deid("Her SSN 123-45-6789 again.", { defaultOperator: "hash" }).text;
    const tag = /\[SSN:([0-9a-f]{16})\]/.exec(a)?.[1];
    assert.ok(tag, a);
    assert.ok(b.includes(`[SSN:${tag}]`));
    const expected = createHmac("sha256", KEY).update("SSN\u0000123-45-6789").digest("hex").slice(0, 16);
    assert.equal(tag, expected);
  });

  it("hash depends on the key, so the tag cannot be recomputed without it", () => {
    const other = new Uint8Array(32).fill(9);
    const a = deid("SSN 123-45-6789.", { defaultOperator: "hash" }).text;
    const b = deid("SSN 123-45-6789.", { defaultOperator: "hash", key: other }).text;
    assert.notEqual(a, b);
  });

  it("redact removes the identifier", () => {
    assert.equal(deid("Email maria@example.org now.", { defaultOperator: "redact" }).text, "Email  now.");
  });

  it("shift moves every date by the same keyed offset and keeps the written form", () => {
    const text = "Admitted 03/14/2024, discharged 03/20/2024, seen March 28, 2024 and 2024-04-01.";
    const out = deid(text, { operators: { DATE: "shift" } });
    const m =
      /^Admitted (\d\d)\/(\d\d)\/(\d{4}), discharged (\d\d)\/(\d\d)\/(\d{4}), seen ([A-Z][a-z]+ \d{1,2}, \d{4}) and (\d{4}-\d\d-\d\d)\.$/.exec(
        out.text,
      );
    assert.ok(m, out.text);
    const day = (y: string, mo: string, d: string) =>
      Date.UTC(Number(y), Number(mo) - 1, Number(d)) / 86_400_000;
    const first = day(m[3] as string, m[1] as string, m[2] as string);
    const second = day(m[6] as string, m[4] as string, m[5] as string);
    assert.equal(second - first, 6, "interval between dates is kept");
    const third = Date.parse(`${m[7]} UTC`) / 86_400_000;
    assert.equal(third - first, 14);
    const shift = first - day("2024", "03", "14");
    assert.notEqual(shift, 0);
    assert.ok(Math.abs(shift) <= 365);
  });

  it("shift writes month-day dates without inventing a year", () => {
    const out = deid("Seen 3/14 and again Jan. 5th.", { operators: { DATE: "shift" } });
    assert.match(out.text, /^Seen \d{1,2}\/\d{1,2} and again [A-Z][a-z]{2}\. \d{1,2}(st|nd|rd|th)\.$/);
  });

  it("shift uses one offset per document seed and a different one for another patient", () => {
    const d = createDeidentifier(config({ operators: { DATE: "shift" } }));
    const a = d.deidentify("MRN 4455667. Seen 03/14/2024.").text;
    const b = d.deidentify("MRN 4455667. Follow-up 03/14/2024.").text;
    assert.equal(a.slice(-11), b.slice(-11));
    const seeds = ["mrn:1", "mrn:2", "mrn:3", "mrn:4", "mrn:5"].map((s) => shiftDays(KEY, s, 365));
    assert.ok(new Set(seeds).size > 1, "different seeds give different shifts");
  });

  it("shift never returns 0 and stays within maxShiftDays", () => {
    for (let i = 0; i < 500; i++) {
      const s = shiftDays(KEY, `seed-${i}`, 3);
      assert.ok(s !== 0 && Math.abs(s) <= 3, String(s));
    }
  });

  it("shift on a type other than DATE falls back to a type tag", () => {
    assert.equal(deid("Patient: Maria Lopez", { defaultOperator: "shift" }).text, "Patient: [NAME]");
  });

  it("applies a different operator per type", () => {
    const operators: Partial<Record<PhiType, DeidOperator>> = { NAME: "surrogate", PHONE: "mask" };
    const out = deid("Patient: Maria Lopez, call 617-555-0142.", { operators });
    assert.equal(out.text, "Patient: [NAME_1], call ***-***-****.");
  });
});

describe("Safe Harbor generalisations", () => {
  it("writes ages over 89 as 90+", () => {
    assert.equal(deid("A 94-year-old woman.").text, "A 90+-year-old woman.");
  });

  it("keeps the first three digits of a ZIP code", () => {
    assert.equal(deid("Boston, MA 02115.").text, "[CITY], MA 021**.");
    assert.equal(generaliseZip("02115-1234"), "021**");
  });

  it("writes 000 for the restricted three-digit ZIP prefixes", () => {
    for (const zip of [
      "03601",
      "05901",
      "06390",
      "10201",
      "20301",
      "55601",
      "69201",
      "79001",
      "82101",
      "82301",
      "83001",
      "83101",
      "87801",
      "87901",
      "88401",
      "89001",
      "89301",
    ]) {
      assert.equal(generaliseZip(zip), "000**", zip);
    }
    assert.equal(deid("Berlin, NH 03570.").text, "[CITY], NH 035**.");
    assert.equal(deid("Dillon, MT 59725 and zip code 59001.").text, "[CITY], MT 597** and zip code 590**.");
    assert.equal(deid("Ely, NV 89301.").text, "[CITY], NV 000**.");
  });
});

describe("deidentify result", () => {
  it("reports entities with offsets into the original text and counts by type", () => {
    const text = "Patient: Maria Lopez. Call 617-555-0142 or 617-555-0143.";
    const out = deid(text);
    assert.deepEqual(
      out.entities.map((e) => [e.type, text.slice(e.start, e.end)]),
      [
        ["NAME", "Maria Lopez"],
        ["PHONE", "617-555-0142"],
        ["PHONE", "617-555-0143"],
      ],
    );
    assert.deepEqual(out.counts, { NAME: 1, PHONE: 2 });
  });

  it("leaves text without identifiers unchanged", () => {
    const text = "BP 128/82, pain 7/10, Parkinson's disease, metformin 500 mg.";
    const out = deid(text);
    assert.equal(out.text, text);
    assert.deepEqual(out.entities, []);
    assert.deepEqual(out.counts, {});
  });

  it("applies strict mode from the config", () => {
    assert.equal(deid("Batch 8842197.", { strict: true }).text, "Batch [ID].");
    assert.equal(deid("Batch 8842197.").text, "Batch 8842197.");
  });
});

describe("configuration", () => {
  it("rejects a key shorter than 16 bytes without echoing it", () => {
    assert.throws(
      () => createDeidentifier(config({ key: new TextEncoder().encode("secret-123") })),
      (e: Error) => /key must be at least 16/.test(e.message) && !e.message.includes("secret-123"),
    );
  });

  it("rejects an unknown operator and an unknown type", () => {
    assert.throws(
      () => createDeidentifier(config({ defaultOperator: "scramble" as DeidOperator })),
      /defaultOperator "scramble"/,
    );
    assert.throws(
      () => createDeidentifier(config({ operators: { PET: "mask" } as never })),
      /unknown type "PET"/,
    );
  });

  it("rejects a maxShiftDays outside 1..3650", () => {
    assert.throws(() => createDeidentifier(config({ maxShiftDays: 0 })), /maxShiftDays/);
  });

  it("parses DEID_OPERATORS and names a bad entry", () => {
    assert.deepEqual(parseOperatorSpec("DATE=shift, name=surrogate,"), { DATE: "shift", NAME: "surrogate" });
    assert.throws(() => parseOperatorSpec("DATE"), /entry "DATE" must look like TYPE=operator/);
    assert.throws(() => parseOperatorSpec("DATE=blur"), /unknown operator "blur"/);
    assert.throws(() => parseOperatorSpec("PET=mask"), /unknown type "PET"/);
  });
});
