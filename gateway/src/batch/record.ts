/**
 * What flows through a batch run: records read from the input, the outcome of working on them, and the line
 * written for each. A record's text is PHI; nothing in this module or its callers may put it anywhere but the
 * de-identifier.
 */
import type { ModelInfo, PhiSummary, SentimentLabel } from "../contracts";

export const TASKS = ["deidentify", "sentiment", "both"] as const;
export type Task = (typeof TASKS)[number];

/** Where a record came from, for the errors file: a line of a file, or a file of a folder. */
export interface Location {
  line?: number;
  file?: string;
}

/** A record ready for work. `fhir` carries what the FHIR writer needs to build the de-identified copy. */
export interface InputRecord extends Location {
  kind: "record";
  id: string;
  text: string;
  fhir?: FhirSource;
}

/** A record that cannot be worked on; `reason` is a fixed sentence that never quotes the input. */
export interface BadRecord extends Location {
  kind: "bad";
  id?: string;
  reason: string;
}

export type ReadItem = InputRecord | BadRecord;

/** The resource a FHIR record was read from and which attachment held its text. */
export interface FhirSource {
  resource: Record<string, unknown>;
  /** "content" (DocumentReference.content[i].attachment) or "presentedForm" (DiagnosticReport). */
  field: "content" | "presentedForm";
  index: number;
}

export interface WorkResult {
  /** De-identified text (tasks deidentify and both). */
  text?: string;
  label?: SentimentLabel;
  score?: number;
  truncated?: boolean;
  model?: ModelInfo;
  phi: PhiSummary;
}

export type Outcome = { ok: true; result: WorkResult } | { ok: false; reason: string };

/** Turns records into outcomes, one per record and in order; a failure of one record fails only that one. */
export interface Worker {
  /** One line naming the backend or gateway, for the progress header. */
  readonly description: string;
  process(records: readonly InputRecord[]): Promise<Outcome[]>;
  close(): Promise<void>;
}

export function needsText(task: Task): boolean {
  return task !== "sentiment";
}

export function needsSentiment(task: Task): boolean {
  return task !== "deidentify";
}

/** The checks every record passes before work, so the same bad record fails the same way locally and remotely. */
export function textProblem(text: unknown, maxTextChars: number): string | undefined {
  if (typeof text !== "string") return "text is not a string";
  if (!/\S/u.test(text)) return "empty text";
  if (text.length > maxTextChars) return `text longer than ${maxTextChars} characters`;
  return undefined;
}

/** The output line for one record: its id and the result, never the original text. */
export function outputLine(id: string, result: WorkResult): string {
  return `${JSON.stringify({ id, ...result })}\n`;
}

/** The errors-file line: where, which id (when known) and why; never the text. */
export function errorLine(bad: { id?: string; reason: string } & Location): string {
  const { line, file, id, reason } = bad;
  return `${JSON.stringify({ line, file, id, reason })}\n`;
}
