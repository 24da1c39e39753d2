/** How detected spans come out: overlaps resolved, the second pass, strict mode and UTF-16 offsets. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detect } from "../src/deid/index";
import { resolveOverlaps } from "../src/deid/resolve";
import { span } from "../src/deid/span";
import { assertFinds, found } from "./support/deid-found";

describe("detect: overlap resolution", () => {
  it("returns non-overlapping spans in text order", () => {
    const text =
      "Dr. John Smith (john.smith@mercy.org, 617-555-0142) saw Mr. Smith at 12 Main Street on 3/14/2024.";
    const spans = detect(text);
    for (let i = 1; i < spans.length; i++) {
      const prev = spans[i - 1];
      const cur = spans[i];
      assert.ok(prev && cur && prev.end <= cur.start, "spans must not overlap");
    }
  });

  it("prefers a higher-priority type over a name found inside it", () => {
    // "john.smith@..." holds a name; the whole e-mail address wins.
    assertFinds("Write to John.Smith@mercy.org today.", "EMAIL", "John.Smith@mercy.org");
    assert.ok(!found("Write to John.Smith@mercy.org today.").some(([t]) => t === "NAME"));
  });

  it("prefers the longest match among spans of the same type", () => {
    assert.deepEqual(found("Admitted March 14, 2024."), [["DATE", "March 14, 2024"]]);
  });

  it("prefers strong evidence over weak evidence regardless of type", () => {
    // "April" alone is a weak DATE; "April Jones" after a cue is a strong NAME.
    assert.deepEqual(found("Patient: April Jones"), [["NAME", "April Jones"]]);
  });

  it("keeps the uncovered parts of a candidate that a higher-priority span overlaps", () => {
    const text = "on 03/14/2024 at noon";
    const kept = resolveOverlaps([span("ADDRESS", 9, 21, 0.9), span("DATE", 3, 13, 0.75)], text);
    assert.deepEqual(
      kept.map((s) => [s.type, text.slice(s.start, s.end)]),
      [
        ["DATE", "03/14"],
        ["ADDRESS", "2024 at noon"],
      ],
    );
  });

  it("reports an account-shaped run inside a longer device string as part of the device", () => {
    const text = "UDI (01)00844588003288(21)4111111111111111 placed";
    const kept = resolveOverlaps([span("ACCOUNT", 26, 42, 0.9), span("DEVICE", 4, 42, 0.75)], text);
    assert.deepEqual(
      kept.map((s) => [s.type, text.slice(s.start, s.end)]),
      [["DEVICE", "(01)00844588003288(21)4111111111111111"]],
    );
  });

  it("does not read a date that ends a paragraph as the house number of the next paragraph's salutation", () => {
    assert.deepEqual(found("Seen 03/14/2024\n\nDear Dr Okafor,"), [
      ["DATE", "03/14/2024"],
      ["NAME", "Okafor"],
    ]);
  });
});

describe("detect: second pass", () => {
  it("finds later bare mentions of a confidently found name", () => {
    const text = "Patient: Kwabena Oyelowo.\nOyelowo tolerated the procedure; KWABENA was discharged.";
    const names = found(text)
      .filter(([t]) => t === "NAME")
      .map(([, v]) => v);
    assert.deepEqual(names, ["Kwabena Oyelowo", "Oyelowo", "KWABENA"]);
  });

  it("finds other mentions of a confidently found identifier", () => {
    const text = "MRN: 7733105. Labs filed under 7733105 again.";
    assert.deepEqual(found(text), [
      ["MRN", "7733105"],
      ["MRN", "7733105"],
    ]);
  });

  it("can be switched off", () => {
    const text = "Patient: Kwabena Oyelowo.\nOyelowo tolerated the procedure.";
    const names = found(text, { secondPass: false }).filter(([t]) => t === "NAME");
    assert.equal(names.length, 1);
  });
});

describe("detect: strict mode", () => {
  it("reports leftover digit runs of 5 or more only in strict mode", () => {
    const text = "Batch 8842197 from the lab.";
    assert.deepEqual(found(text), []);
    assert.deepEqual(found(text, { strict: true }), [["ID", "8842197"]]);
  });

  it("keeps look-alike numbers even in strict mode", () => {
    assert.deepEqual(found("Heparin 5000 units and platelets 250000.", { strict: true }), []);
  });

  it("leaves 4-digit runs alone", () => {
    assert.deepEqual(found("Code 1234 entered.", { strict: true }), []);
  });
});

describe("detect: offsets", () => {
  it("reports UTF-16 offsets into the original text, also after astral characters", () => {
    const text = "👍 Patient: Zoë Müller, café visit 👍 on 3/14/2024, call 617-555-0142.";
    const spans = detect(text);
    assert.ok(spans.length >= 3);
    for (const s of spans) {
      assert.ok(s.start >= 0 && s.end <= text.length && s.start < s.end);
    }
    const date = spans.find((s) => s.type === "DATE");
    assert.equal(date && text.slice(date.start, date.end), "3/14/2024");
    const phone = spans.find((s) => s.type === "PHONE");
    assert.equal(phone && text.slice(phone.start, phone.end), "617-555-0142");
  });

  it("finds nothing in an empty string", () => {
    assert.deepEqual(detect(""), []);
  });
});
