/**
 * The de-identified copy of a FHIR resource: the note's attachment replaced by its de-identified text and a
 * meta.security label saying so. Only fields that describe the document rather than the patient are copied;
 * subject, author, dates, identifiers, the narrative and every other attachment are left out, because the
 * de-identifier reads free text, not structured identifiers.
 */
import type { FhirSource } from "./record";

/** HL7 v3 ObservationValue "REDACTED": the resource has had information removed. */
export const REDACTED_SECURITY_LABEL = {
  system: "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
  code: "REDACTED",
  display: "redacted",
} as const;

const KEPT_FIELDS: Record<string, readonly string[]> = {
  DocumentReference: ["resourceType", "id", "status", "docStatus", "type", "category", "language"],
  DiagnosticReport: ["resourceType", "id", "status", "category", "code", "language"],
};

function textAttachment(original: unknown, text: string): Record<string, unknown> {
  const source = (typeof original === "object" && original !== null ? original : {}) as Record<
    string,
    unknown
  >;
  const attachment: Record<string, unknown> = {
    contentType: "text/plain; charset=utf-8",
    data: Buffer.from(text, "utf8").toString("base64"),
  };
  if (typeof source.language === "string") attachment.language = source.language;
  return attachment;
}

export function deidentifiedResource(source: FhirSource, deidentifiedText: string): Record<string, unknown> {
  const { resource, field, index } = source;
  const type = resource.resourceType as string;
  const copy: Record<string, unknown> = {};
  for (const key of KEPT_FIELDS[type] ?? ["resourceType", "id"]) {
    if (resource[key] !== undefined) copy[key] = resource[key];
  }
  copy.meta = { security: [REDACTED_SECURITY_LABEL] };
  const list = resource[field] as unknown[];
  if (field === "content") {
    const entry = list[index] as Record<string, unknown>;
    const content: Record<string, unknown> = {
      attachment: textAttachment(entry.attachment, deidentifiedText),
    };
    if (entry.format !== undefined) content.format = entry.format;
    copy.content = [content];
  } else {
    copy.presentedForm = [textAttachment(list[index], deidentifiedText)];
  }
  return copy;
}

export function fhirOutputLine(source: FhirSource, deidentifiedText: string): string {
  return `${JSON.stringify(deidentifiedResource(source, deidentifiedText))}\n`;
}
