import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PhiType } from "../src/contracts";
import { detectAsync } from "../src/deid/detect";
import { keptLearnedSpanType } from "../src/deid-model/evidence";
import { useModelRegistry } from "./support/model-registry";

/** The kept type of the learned span `type` over the first occurrence of `part` in `text`. */
function kept(type: PhiType, text: string, part: string): PhiType | undefined {
  const at = text.indexOf(part);
  assert.ok(at >= 0, `"${part}" is not in the test text`);
  return keptLearnedSpanType(type, text, at, at + part.length);
}

describe("what a learned span must contain to be kept", () => {
  it("drops a date that is an ordinary word", () => {
    assert.equal(kept("DATE", "vomited three times since midnight.", "midnight."), undefined);
  });

  it("keeps a date written with a month name or with joined numbers", () => {
    assert.equal(kept("DATE", "seen on the 5th of May", "5th of May"), "DATE");
    assert.equal(kept("DATE", "seen 3/14 in clinic", "3/14"), "DATE");
    assert.equal(kept("DATE", "DOB 20240314.", "20240314"), "DATE");
    assert.equal(kept("DATE", "on 14.3.2024 she", "14.3.2024"), "DATE");
  });

  it("drops a lone count or a bare year as a date", () => {
    assert.equal(kept("DATE", "complete a 10-day course", "10"), undefined);
    assert.equal(kept("DATE", "diagnosed in 2019", "in 2019"), undefined);
  });

  it("drops an age under 90 and keeps one of 90 or more", () => {
    assert.equal(kept("AGE", "aged 45", "45"), undefined);
    assert.equal(kept("AGE", "a 92-year-old man", "92"), "AGE");
  });

  it("drops a measured decimal taken for a date or a phone number", () => {
    const text = "creatinine down to 1.3 from a peak of 2.9.";
    assert.equal(kept("PHONE", text, "1"), undefined);
    assert.equal(kept("DATE", text, "of 2.9"), undefined);
  });

  it("keeps an identifier type only where the span has a digit", () => {
    assert.equal(kept("MRN", "MRN 48213377", "48213377"), "MRN");
    assert.equal(kept("HEALTH_PLAN", "excellent response", "excellent"), undefined);
  });

  it("keeps a URL or an e-mail address only in its own shape", () => {
    assert.equal(kept("URL", "BP 120/80 mmHg", "mmHg"), undefined);
    assert.equal(kept("URL", "see portal.example.org", "portal.example.org"), "URL");
    assert.equal(kept("EMAIL", "Na 138", "138"), undefined);
  });

  it("keeps a capitalised name the model mistyped, as a NAME", () => {
    assert.equal(kept("ZIP", "Emergency contact | Leonor Teixeira, +1", "Teixeira"), "NAME");
    assert.equal(kept("MRN", "Patient: DUNESK, LEIF / MR437331", "LEIF"), "NAME");
  });

  it("drops a lower-case word that no name list knows as a name or a place", () => {
    assert.equal(kept("NAME", "Patient denies fever, chills, cough.", "fever"), undefined);
    assert.equal(kept("CITY", "neuro exam nonfocal.", "nonfocal"), undefined);
  });

  it("keeps a lower-case word the Census name lists know", () => {
    assert.equal(kept("NAME", "seen today by dr smith for follow-up", "smith"), "NAME");
  });

  it("drops an English word opening a sentence, a line or a list item as a name or a place", () => {
    assert.equal(kept("LOCATION", "Tolerated physical therapy well.", "Tolerated"), undefined);
    assert.equal(kept("CITY", "Seen today.\nGait steady, no falls.", "Gait"), undefined);
    assert.equal(kept("NAME", "Plan:\n- Overnight events reviewed.", "Overnight"), undefined);
  });

  it("keeps a name the Census lists know at the start of a sentence", () => {
    assert.equal(kept("NAME", "Rose was seen in clinic today.", "Rose"), "NAME");
  });

  it("keeps an English word in the middle of a sentence, where its capital is evidence", () => {
    assert.equal(kept("LOCATION", "Moved from Gait to the coast last year.", "Gait"), "LOCATION");
  });

  it("drops a department made only of generic words and a service head", () => {
    assert.equal(kept("LOCATION", "Seen in the Emergency Department.", "Emergency Department"), undefined);
    assert.equal(kept("LOCATION", "Follow up at Mercy Clinic.", "Mercy Clinic"), "LOCATION");
  });

  it("drops an eponym followed by its clinical head word", () => {
    assert.equal(kept("NAME", "Hodgkin lymphoma, stage II", "Hodgkin"), undefined);
    assert.equal(kept("NAME", "Alzheimer's dementia", "Alzheimer"), undefined);
    assert.equal(kept("LOCATION", "Down syndrome", "Down"), undefined);
  });

  it("keeps an eponym's surname when no head word follows it", () => {
    assert.equal(kept("NAME", "Referred to Dr. Hodgkin today.", "Hodgkin"), "NAME");
  });
});

describe("the served detector on plain clinical sentences", () => {
  const registry = useModelRegistry();

  const taken = async (text: string): Promise<string[]> =>
    (await detectAsync(text, {}, registry())).map((s) => text.slice(s.start, s.end));

  const plain: ReadonlyArray<[text: string, word: string]> = [
    ["Patient denies fever, chills, cough, or dysuria.", "fever"],
    ["Patient denies fever, chills, cough, or dysuria.", "chills"],
    ["She continues to have severe nausea and has vomited three times since midnight.", "midnight"],
    ["Tolerated physical therapy well and walked 150 feet with a rolling walker.", "150"],
    ["Hemoglobin dropped from 11.2 to 8.4 overnight; two units of packed red cells ordered.", "11"],
    ["Assessment: community-acquired pneumonia, clinically improving on ceftriaxone.", "pneumonia"],
    ["Home medications resumed except for lisinopril, which remains on hold.", "lisinopril"],
    ["History of Hodgkin lymphoma in remission.", "Hodgkin"],
  ];

  it("keeps symptoms, drugs and measurements the bare model takes for names, dates and ages", async () => {
    for (const [text, word] of plain) {
      const spans = await taken(text);
      assert.ok(!spans.some((s) => s.includes(word)), `"${word}" was taken: ${JSON.stringify(spans)}`);
    }
  });

  it("still removes a name, an old age and a dated visit in the same kind of sentence", async () => {
    const text = "Mrs. Oyelaran, 94 years old, denies fever since her visit on 3/14/2024.";
    const spans = await taken(text);
    for (const phi of ["Oyelaran", "94", "3/14/2024"])
      assert.ok(
        spans.some((s) => s.includes(phi)),
        `"${phi}" was left: ${JSON.stringify(spans)}`,
      );
  });
});
