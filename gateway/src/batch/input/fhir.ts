/**
 * FHIR Bulk Data NDJSON (one resource per line): the clinical note of a DocumentReference
 * (content[].attachment) or a DiagnosticReport (presentedForm[]), inline as base64 `data` or behind a `url`
 * naming a local file. The record id is "<resourceType>/<id>", unique across resource types.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FhirSource, ReadItem } from "../record";
import { decodeBase64, decodeText } from "./decode";
import { idOf, isObject, numberedLines, parseJsonLine } from "./lines";

export const NOTE_RESOURCES = {
  DocumentReference: "content",
  DiagnosticReport: "presentedForm",
} as const;

type Attachment = Record<string, unknown>;

/** The attachments of a resource in document order, with the field and index the FHIR writer needs. */
function attachmentsOf(resource: Record<string, unknown>, field: FhirSource["field"]): Attachment[] {
  const list = resource[field];
  if (!Array.isArray(list)) return [];
  return list.map((entry: unknown) => {
    const attachment = field === "content" && isObject(entry) ? entry.attachment : entry;
    return isObject(attachment) ? attachment : {};
  });
}

/** text/plain (any charset) or no contentType at all; PDFs and images are not read. */
function isPlainText(attachment: Attachment): boolean {
  const type = attachment.contentType;
  return type === undefined || (typeof type === "string" && /^text\/plain\s*(;|$)/i.test(type));
}

function charsetOf(attachment: Attachment): string {
  const type = typeof attachment.contentType === "string" ? attachment.contentType : "";
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1] ?? "utf-8";
}

/** Resolves an attachment url: file: URLs and paths relative to the NDJSON file; nothing over a network. */
function localPath(url: string, baseDir: string): string | undefined {
  if (/^file:/i.test(url)) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined;
  return path.resolve(baseDir, url);
}

type TextOrReason = { text: string } | { reason: string };

function attachmentText(attachment: Attachment, baseDir: string): TextOrReason {
  let bytes: Uint8Array;
  if (typeof attachment.data === "string") {
    const decoded = decodeBase64(attachment.data);
    if (decoded === undefined) return { reason: "attachment data is not valid base64" };
    bytes = decoded;
  } else {
    const file = localPath(attachment.url as string, baseDir);
    if (file === undefined) {
      return { reason: "attachment url is not a local file (only file: URLs and relative paths are read)" };
    }
    try {
      bytes = readFileSync(file);
    } catch (err) {
      return { reason: `attachment file cannot be read (${(err as NodeJS.ErrnoException).code})` };
    }
  }
  const text = decodeText(bytes, charsetOf(attachment));
  return text === undefined ? { reason: "attachment is not valid text in its charset" } : { text };
}

export function fhirRecord(resource: Record<string, unknown>, line: number, baseDir: string): ReadItem {
  const type = resource.resourceType;
  const field = typeof type === "string" ? NOTE_RESOURCES[type as keyof typeof NOTE_RESOURCES] : undefined;
  if (field === undefined) {
    return {
      kind: "bad",
      line,
      reason: `resourceType must be ${Object.keys(NOTE_RESOURCES).join(" or ")} (a resource holding a note)`,
    };
  }
  const resourceId = idOf(resource.id);
  if (resourceId === undefined) return { kind: "bad", line, reason: 'missing field "id"' };
  const id = `${type as string}/${resourceId}`;
  const attachments = attachmentsOf(resource, field);
  const index = attachments.findIndex(
    (a) => isPlainText(a) && (typeof a.data === "string" || typeof a.url === "string"),
  );
  if (index < 0) {
    return { kind: "bad", line, id, reason: `no text/plain attachment with data or url in ${field}` };
  }
  const read = attachmentText(attachments[index] as Attachment, baseDir);
  if ("reason" in read) return { kind: "bad", line, id, reason: read.reason };
  return { kind: "record", line, id, text: read.text, fhir: { resource, field, index } };
}

export async function* readFhirNdjson(file: string): AsyncGenerator<ReadItem> {
  const baseDir = path.dirname(path.resolve(file));
  for await (const { line, text } of numberedLines(file)) {
    const parsed = parseJsonLine(text);
    if (!parsed.ok) yield { kind: "bad", line, reason: "invalid JSON" };
    else if (!isObject(parsed.value)) yield { kind: "bad", line, reason: "line is not a JSON object" };
    else yield fhirRecord(parsed.value, line, baseDir);
  }
}
