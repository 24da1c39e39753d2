/** What the de-identifier finds: every PHI type, the validators, ages, ZIP codes, look-alikes and whole notes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PHI_TYPES, type PhiType } from "../src/contracts";
import { detect } from "../src/deid/index";
import { assertFinds, found } from "./support/deid-found";

function assertNothingIn(text: string, phrase: string): void {
  const start = text.indexOf(phrase);
  assert.ok(start >= 0, "test phrase must be in the text");
  const end = start + phrase.length;
  const touching = detect(text).filter((s) => s.start < end && s.end > start);
  assert.deepEqual(
    touching.map((s) => `${s.type}:${text.slice(s.start, s.end)}`),
    [],
    `"${phrase}" must survive in ${JSON.stringify(text)}`,
  );
}

describe("detect: every PHI type", () => {
  const cases: Array<[PhiType, string, string]> = [
    ["NAME", "Patient: Maria Lopez presented today.", "Maria Lopez"],
    ["NAME", "Seen by Dr. Okafor in clinic.", "Okafor"],
    ["NAME", "Lopez, Maria was admitted.", "Lopez, Maria"],
    ["NAME", "Consent signed by J. Smith at bedside.", "J. Smith"],
    ["NAME", "His daughter Priya will visit.", "Priya"],
    ["NAME", "Reviewed with Anne Carter, MD today.", "Anne Carter"],
    ["DATE", "Seen on March 14, 2024 for review.", "March 14, 2024"],
    ["DATE", "Admitted 03/14/2024 via the ED.", "03/14/2024"],
    ["DATE", "Surgery planned for 14 Mar 2024.", "14 Mar 2024"],
    ["DATE", "Last colonoscopy March 2024.", "March 2024"],
    ["DATE", "Returns on 3/14 for labs.", "3/14"],
    ["DATE", "ISO stamp 2024-03-14 in the chart.", "2024-03-14"],
    ["DATE", "Call back Jan. 5th please.", "Jan. 5th"],
    ["DATE", "Born on the 5th of January 1931.", "5th of January 1931"],
    ["AGE", "A 92-year-old woman with CHF.", "92"],
    ["PHONE", "Call (617) 555-0142 with results.", "(617) 555-0142"],
    ["PHONE", "Mobile +44 20 7946 0958 abroad.", "+44 20 7946 0958"],
    ["FAX", "Fax: 617-555-0199 to the office.", "617-555-0199"],
    ["EMAIL", "Email maria.lopez@example.org today.", "maria.lopez@example.org"],
    ["SSN", "SSN 123-45-6789 on file.", "123-45-6789"],
    ["MRN", "MRN: 00123456 per registration.", "00123456"],
    ["HEALTH_PLAN", "Member ID: XKQ123456789 with the plan.", "XKQ123456789"],
    ["HEALTH_PLAN", "Medicare MBI 1EG4TE5MK73 on card.", "1EG4TE5MK73"],
    ["ACCOUNT", "Account #: 8812345671 for billing.", "8812345671"],
    ["LICENSE", "Prescriber DEA AB1234563 verified.", "AB1234563"],
    ["LICENSE", "NPI 1234567893 on the order.", "1234567893"],
    ["LICENSE", "Driver's license S12345678 copied.", "S12345678"],
    ["LICENSE", "Driver license D4829173 on file.", "D4829173"],
    ["LICENSE", "| Driver license | D4829173 |", "D4829173"],
    ["VEHICLE", "Car VIN 1HGCM82633A004352 parked.", "1HGCM82633A004352"],
    ["VEHICLE", "License plate 7ABC123 was noted.", "7ABC123"],
    ["VEHICLE", "| Vehicle plate | 482-KTD |", "482-KTD"],
    ["DEVICE", "Pacemaker serial number PX-48213-Z checked.", "PX-48213-Z"],
    ["URL", "Portal https://portal.example.org/p/123 for results.", "https://portal.example.org/p/123"],
    ["IP", "Logged in from 192.168.10.24 yesterday.", "192.168.10.24"],
    ["IP", "IPv6 2001:db8::8a2e:370:7334 in the log.", "2001:db8::8a2e:370:7334"],
    ["ADDRESS", "Lives at 12 Main Street, Apt 4B with family.", "12 Main Street, Apt 4B"],
    ["CITY", "She lives in Springfield with her son.", "Springfield"],
    ["CITY", "Moved from Worcester, MA 01608 last year.", "Worcester"],
    ["LOCATION", "Transferred from Mercy General Hospital overnight.", "Mercy General Hospital"],
    ["ZIP", "Address ends Boston, MA 02115 on the form.", "02115"],
    ["ID", "Accession number S24-12345 sent to pathology.", "S24-12345"],
  ];
  for (const [type, text, value] of cases) {
    it(`finds ${type} "${value}"`, () => assertFinds(text, type, value));
  }

  it("covers every type in PHI_TYPES at least once above", () => {
    const covered = new Set(cases.map(([t]) => t));
    assert.deepEqual(
      PHI_TYPES.filter((t) => !covered.has(t)),
      [],
    );
  });
});

describe("detect: validators", () => {
  it("rejects SSNs in never-issued ranges without SSN context", () => {
    assert.deepEqual(found("Values 000-12-3456 and 666-12-3456 and 912-12-3456."), []);
  });

  it("accepts a DEA number only when its check digit is right", () => {
    assertFinds("DEA AB1234563.", "LICENSE", "AB1234563");
    assert.ok(!found("Code AB1234564 here.").some(([t]) => t === "LICENSE"));
  });

  it("scores a VIN with a valid check digit above one without", () => {
    const good = detect("VIN 1HGCM82633A004352").find((s) => s.type === "VEHICLE");
    const bad = detect("Code 1HGCM82643A004352 noted").find((s) => s.type === "VEHICLE");
    assert.ok(good && bad && good.score > bad.score);
  });

  it("rejects IPv4 addresses with octets above 255", () => {
    assert.ok(!found("Version 300.1.2.3 installed.").some(([t]) => t === "IP"));
  });

  it("does not read a clock time as an IPv6 address", () => {
    assert.ok(!found("Seen at 10:30:00 by nursing.").some(([t]) => t === "IP"));
  });
});

describe("detect: ages", () => {
  it("reports ages over 89", () => {
    assertFinds("She is a 95 y/o woman.", "AGE", "95");
    assertFinds("Patient aged 101 lives alone.", "AGE", "101");
  });

  it("reports an age over 89 written with spaces, which also reads like a duration", () => {
    assertFinds("Mrs. Maria Gonzalez, 93 years old, lives alone.", "AGE", "93");
    assertFinds("The patient is 91 yrs old.", "AGE", "91");
  });

  it("keeps durations in years that are not ages", () => {
    assert.ok(
      !found("Type 2 diabetes for 95 years is implausible; smoking for 30 years.").some(([t]) => t === "AGE"),
    );
  });

  it("leaves ages of 89 and below alone", () => {
    assert.ok(!found("An 89-year-old man and a 45 year old woman.").some(([t]) => t === "AGE"));
  });
});

describe("detect: ZIP codes", () => {
  it("needs a state or a ZIP label before a 5-digit number", () => {
    assertFinds("zip code 01608", "ZIP", "01608");
    assert.deepEqual(found("Platelets were 21500 today."), []);
  });

  it("includes the +4 part in the ZIP span", () => {
    assertFinds("Hartford, CT 06103-1234.", "ZIP", "06103-1234");
  });
});

describe("detect: clinical look-alikes survive", () => {
  const lookalikes: Array<[string, string]> = [
    ["History of Parkinson's disease and Bell's palsy.", "Parkinson's disease"],
    ["History of Parkinson's disease and Bell's palsy.", "Bell's palsy"],
    ["Treated for Hodgkin lymphoma in remission.", "Hodgkin lymphoma"],
    ["Apgar 8/9 at delivery.", "Apgar 8/9"],
    ["BP 128/82, HR 72.", "BP 128/82"],
    ["Reports pain 7/10 in the knee.", "pain 7/10"],
    ["Strength 5/5 throughout.", "5/5"],
    ["Takes Percocet 5/325 as needed.", "Percocet 5/325"],
    ["MRI shows disc bulge at L4-L5.", "L4-L5"],
    ["Diagnosis code E11.9 entered.", "E11.9"],
    ["Metformin 500 mg twice daily.", "500 mg"],
    ["Labs: Na 138, K 4.2, creatinine 1.1 mg/dL.", "Na 138"],
    ["Positive Babinski sign on the left.", "Babinski"],
    ["Smith's fracture of the wrist.", "Smith"],
    ["Glasgow Coma Scale 15 on arrival.", "Glasgow Coma Scale 15"],
    ["Placed a Foley catheter.", "Foley"],
    ["Will follow up in 2 weeks.", "Will"],
    ["Seen in Cardiology Clinic.", "Cardiology Clinic"],
    ["Bence Jones protein negative.", "Bence Jones protein"],
    ["Diagnosed in 2019 with diabetes.", "2019"],
  ];
  for (const [text, phrase] of lookalikes) {
    it(`keeps "${phrase}"`, () => assertNothingIn(text, phrase));
  }

  it("still reads a bare m/d as a date when no scale word is near it", () => {
    assertFinds("Next visit 7/10 at noon.", "DATE", "7/10");
  });
});

describe("detect: hand-written notes", () => {
  it("finds every identifier in a discharge-style note and touches no clinical word", () => {
    const note = `HISTORY OF PRESENT ILLNESS: Mrs. Delgado is a 78-year-old female with COPD, Type 2 diabetes mellitus, and Parkinson's disease who presented to the Emergency Department at Lakeside Regional Medical Center on 2/11 with worsening dyspnea. Her daughter Rosa reports she has been more confused since Sunday.
MEDICATIONS: Metoprolol succinate 50 mg daily, Sinemet 25/100 TID, Lantus 20 units qHS.
SOCIAL HISTORY: Lives with her husband Jorge in Fall River. Retired teacher from Fall River Public Schools.
PHYSICAL EXAM: T 100.4 F, HR 104, BP 142/88, SpO2 89% on RA. Strength 5/5 throughout. Babinski negative. Pain 2/10.
PLAN: Consult Pulmonology (Dr. Chen). Follow up with PCP Dr. Amanda Price at Brookside Family Practice in 2 weeks. Discussed with Charge Nurse Kelly. Code status: Full Code.
Electronically signed by Marcus Webb, MD on 02/12/2024 14:32.`;
    assert.deepEqual(found(note), [
      ["NAME", "Delgado"],
      ["LOCATION", "Lakeside Regional Medical Center"],
      ["DATE", "2/11"],
      ["NAME", "Rosa"],
      ["NAME", "Jorge"],
      ["CITY", "Fall River"],
      ["LOCATION", "Fall River Public Schools"],
      ["NAME", "Chen"],
      ["NAME", "Amanda Price"],
      ["LOCATION", "Brookside Family Practice"],
      ["NAME", "Kelly"],
      ["NAME", "Marcus Webb"],
      ["DATE", "02/12/2024"],
    ]);
  });

  it("finds every identifier in a nursing note full of capitalised clinical words", () => {
    const note = `Foley draining clear yellow urine. Tylenol 650 mg PO at 0800.
Family at bedside. Son Michael updated on plan of care by Dr. Patel. Case Management following for discharge to Sunrise Assisted Living.
Wound Care consulted for Stage 2 pressure injury on sacrum. Braden 14. Morse Fall Scale 45.
PT/OT evaluated: ambulated 150 ft with rolling walker, Contact Guard Assist. Will continue to monitor.
Code: DNR/DNI per MOLST signed by patient and Health Care Proxy Linda Gomez. Pain 4/10, given Oxycodone 5 mg.
Next INR check Friday. Green Bay Packers game on TV, patient in good spirits.
Jordan from Respiratory Therapy did a treatment. Grace, RN`;
    assert.deepEqual(found(note), [
      ["NAME", "Michael"],
      ["NAME", "Patel"],
      ["LOCATION", "Sunrise Assisted Living"],
      ["NAME", "Linda Gomez"],
      ["NAME", "Jordan"],
      ["NAME", "Grace"],
    ]);
  });
});
