import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { detectFormat, InputError, openInput } from "../src/batch/input/index";
import type { ReadItem } from "../src/batch/record";
import { fixture, phiIn, tempDir } from "./fixtures/batch/harness";

const DEFAULT_FIELDS = { id: "id", text: "text" };

async function readAll(
  inputPath: string,
  fields = DEFAULT_FIELDS,
  format?: "jsonl" | "csv" | "txt" | "fhir",
) {
  const items: ReadItem[] = [];
  for await (const item of openInput(inputPath, format, fields).read()) items.push(item);
  return items;
}

/** What a bad record shows: never a text. */
function badSummary(items: ReadItem[]) {
  return items.filter((i) => i.kind === "bad").map(({ kind, ...rest }) => rest);
}

describe("batch input readers", () => {
  it("JSON Lines records are read with their line numbers, and the id and text fields can be renamed", async () => {
    const items = await readAll(fixture("custom-fields.jsonl"), { id: "note_id", text: "body" });
    assert.deepEqual(
      items.map((i) => (i.kind === "record" ? { id: i.id, line: i.line, text: i.text } : i)),
      [
        { id: "a-1", line: 1, text: "Seen by Dr. Alice Carter on 02/03/2024." },
        { id: "7", line: 2, text: "No complaints today." },
      ],
    );
  });

  it("a JSON Lines line that is not JSON, lacks the id or has a non-string text is a bad record naming the line", async () => {
    assert.deepEqual(badSummary(await readAll(fixture("bad.jsonl"))), [
      { line: 2, reason: "invalid JSON" },
      { line: 3, reason: 'missing field "id"' },
      { line: 6, id: "not-text", reason: 'field "text" must be a string' },
    ]);
  });

  it("a CSV file is parsed with quoted commas and line breaks kept in the text and columns chosen by name", async () => {
    const items = await readAll(fixture("notes.csv"), { id: "note_id", text: "note_text" });
    assert.deepEqual(
      items.map((i) => (i.kind === "record" ? [i.id, i.line, i.text] : i)),
      [
        ["c-1", 2, "Patient John Smith, MRN 12345678, improving."],
        ["c-2", 3, "Line one of a note.\nLine two mentions Mary Jones, who called 555-867-5309."],
        ["c-3", 5, "Plain note without quotes."],
      ],
    );
  });

  it("a CSV row with the wrong number of columns is a bad record on its line and the rows after it are still read", async () => {
    const items = await readAll(fixture("bad.csv"), { id: "note_id", text: "note_text" });
    assert.deepEqual(
      items.map((i) => (i.kind === "record" ? i.id : i)),
      [
        "c-1",
        { kind: "bad", line: 3, reason: "row has a different number of columns than the header" },
        "c-3",
      ],
    );
  });

  it("a CSV header without the text column stops the run with a message naming the columns it has", async () => {
    await assert.rejects(
      readAll(fixture("notes.csv"), DEFAULT_FIELDS),
      (err: Error) =>
        err instanceof InputError &&
        err.message.startsWith('the CSV header has no column "id" (it has "note_id", "author", "note_text")'),
    );
  });

  it("a folder of .txt files is read recursively, one record per file, with the relative path as id", async () => {
    const items = await readAll(fixture("notes-folder"));
    assert.deepEqual(
      items.map((i) => (i.kind === "record" ? [i.id, i.file, i.text] : i)),
      [
        ["admission.txt", "admission.txt", "Patient John Smith (MRN 12345678) was admitted on 03/14/2024.\n"],
        ["ward-2/call.txt", "ward-2/call.txt", "Mary Jones called 555-867-5309; she feels better.\n"],
      ],
    );
  });

  it("FHIR notes are read from DocumentReference base64 data, from a url to a local file, and from DiagnosticReport.presentedForm", async () => {
    const items = await readAll(fixture("fhir.ndjson"));
    assert.deepEqual(
      items.map((i) => (i.kind === "record" ? [i.id, i.fhir?.field, i.fhir?.index, i.text] : i)),
      [
        // The PDF attachment comes first; the text/plain one is the note.
        [
          "DocumentReference/doc-1",
          "content",
          1,
          "Patient John Smith (MRN 12345678) felt much better after the visit on 03/14/2024.",
        ],
        [
          "DocumentReference/doc-2",
          "content",
          0,
          "Follow-up note for Mary Jones: wound healing well, seen 03/15/2024.\n",
        ],
        [
          "DiagnosticReport/rep-1",
          "presentedForm",
          0,
          "Chest CT for John Smith, DOB 01/02/1950: no acute findings. Reach him at 555-867-5309.",
        ],
      ],
    );
  });

  it("FHIR resources whose note cannot be decoded or read locally are bad records with a reason and no content", async () => {
    const items = await readAll(fixture("fhir-bad.ndjson"));
    assert.deepEqual(badSummary(items), [
      { line: 1, id: "DocumentReference/bad-b64", reason: "attachment data is not valid base64" },
      {
        line: 2,
        id: "DocumentReference/remote-url",
        reason: "attachment url is not a local file (only file: URLs and relative paths are read)",
      },
      { line: 3, id: "DocumentReference/missing-file", reason: "attachment file cannot be read (ENOENT)" },
      {
        line: 4,
        id: "DocumentReference/pdf-only",
        reason: "no text/plain attachment with data or url in content",
      },
      { line: 5, id: "DocumentReference/latin1-lie", reason: "attachment is not valid text in its charset" },
      {
        line: 6,
        reason: "resourceType must be DocumentReference or DiagnosticReport (a resource holding a note)",
      },
    ]);
    assert.deepEqual(phiIn(JSON.stringify(badSummary(items))), []);
    assert.deepEqual(
      items.filter((i) => i.kind === "record").map((i) => i.id),
      ["DiagnosticReport/rep-ok"],
    );
  });

  it("the format is detected from the content: FHIR by resourceType, JSON Lines by a leading brace, CSV otherwise", () => {
    const dir = tempDir();
    const write = (name: string, content: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      return file;
    };
    // Names mislead on purpose: detection reads the content.
    assert.equal(detectFormat(write("a.csv", '{"resourceType":"DocumentReference","id":"1"}\n')), "fhir");
    assert.equal(detectFormat(write("b.csv", '\uFEFF{"id":"1","text":"x"}\n')), "jsonl");
    assert.equal(detectFormat(write("c.jsonl", "id,text\n1,x\n")), "csv");
    assert.equal(openInput(fixture("notes-folder"), undefined, DEFAULT_FIELDS).format, "txt");
  });

  it("an input that does not exist, or a folder given with a file format, cannot be opened", () => {
    assert.throws(
      () => openInput(path.join(tempDir(), "missing.jsonl"), undefined, DEFAULT_FIELDS),
      (err: Error) =>
        err instanceof InputError && /cannot read --in .*missing\.jsonl \(ENOENT\)/.test(err.message),
    );
    assert.throws(
      () => openInput(fixture("notes-folder"), "jsonl", DEFAULT_FIELDS),
      /is a folder; --format jsonl reads a file/,
    );
  });

  it("the record count used for progress matches the records read, for every format", async () => {
    const cases: Array<[string, { id: string; text: string }]> = [
      [fixture("notes.jsonl"), DEFAULT_FIELDS],
      [fixture("notes.csv"), { id: "note_id", text: "note_text" }],
      [fixture("notes-folder"), DEFAULT_FIELDS],
      [fixture("fhir.ndjson"), DEFAULT_FIELDS],
    ];
    for (const [file, fields] of cases) {
      const input = openInput(file, undefined, fields);
      assert.equal(await input.count(), (await readAll(file, fields)).length, file);
    }
  });
});
