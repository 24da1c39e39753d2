/**
 * The output file is the checkpoint. Lines are appended in input order, each complete line in one write, so
 * after a kill the file holds a prefix of the work plus at most one torn line. A re-run cuts the torn line,
 * skips every id already written and appends the rest: nothing is lost and nothing is written twice.
 *
 * The optional FHIR output is written before the main output for the same records, so it can only run ahead;
 * a re-run drops its resources whose ids the main output does not hold yet.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { InputError } from "./input/errors";
import { isObject, parseJsonLine } from "./input/lines";

/** Cuts anything after the last newline (a line torn by a kill) and returns the complete lines. */
function completeLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const content = readFileSync(file, "utf8");
  const end = content.lastIndexOf("\n") + 1;
  if (end < content.length) truncateSync(file, Buffer.byteLength(content.slice(0, end), "utf8"));
  return content
    .slice(0, end)
    .split("\n")
    .filter((l) => l !== "");
}

/** Ids already in the output; a line that is not ours means --out names some other file, which we never touch. */
export function writtenIds(outPath: string): Set<string> {
  const ids = new Set<string>();
  completeLines(outPath).forEach((line, i) => {
    const parsed = parseJsonLine(line);
    const id = parsed.ok && isObject(parsed.value) ? parsed.value.id : undefined;
    if (typeof id !== "string") {
      throw new InputError(
        `--out ${outPath} line ${i + 1} is not a batch output line; give --out a new file or a previous run's output`,
      );
    }
    ids.add(id);
  });
  return ids;
}

/** The FHIR output's record id ("<resourceType>/<id>") of one of its lines. */
function fhirLineId(line: string): string | undefined {
  const parsed = parseJsonLine(line);
  if (!parsed.ok || !isObject(parsed.value)) return undefined;
  const { resourceType, id } = parsed.value;
  return typeof resourceType === "string" && typeof id === "string" ? `${resourceType}/${id}` : undefined;
}

/** Keeps only the FHIR resources whose records the main output holds; rewritten atomically when it changes. */
export function reconcileFhirOutput(fhirPath: string, done: ReadonlySet<string>): void {
  const lines = completeLines(fhirPath);
  const kept = lines.filter((l) => {
    const id = fhirLineId(l);
    return id !== undefined && done.has(id);
  });
  if (kept.length === lines.length) return;
  const temp = `${fhirPath}.tmp-${process.pid}`;
  writeFileSync(temp, kept.map((l) => `${l}\n`).join(""));
  renameSync(temp, fhirPath);
}

export interface Completed {
  seq: number;
  /** One line for the output, or for the errors file. */
  out?: string;
  error?: string;
  fhir?: string;
}

export interface OutputPaths {
  out: string;
  errors: string;
  fhir?: string;
}

/**
 * Writes completions in sequence order whatever order they finish in. Errors of this run replace the
 * previous errors file: records that failed before are not in the output, so this run retries them.
 */
export class OrderedWriter {
  private readonly pending = new Map<number, Completed>();
  private next = 0;
  private readonly out: number;
  private readonly errors: number;
  private readonly fhir: number | undefined;
  private waiters: Array<() => void> = [];

  constructor(paths: OutputPaths) {
    this.out = openSync(paths.out, "a");
    this.errors = openSync(paths.errors, "w");
    this.fhir = paths.fhir === undefined ? undefined : openSync(paths.fhir, "a");
  }

  /** Sequence numbers completed and written so far. */
  get written(): number {
    return this.next;
  }

  complete(entry: Completed): void {
    this.pending.set(entry.seq, entry);
    const ready: Completed[] = [];
    for (let e = this.pending.get(this.next); e !== undefined; e = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      ready.push(e);
      this.next++;
    }
    if (ready.length === 0) return;
    const join = (pick: (c: Completed) => string | undefined) =>
      ready
        .map(pick)
        .filter((l) => l !== undefined)
        .join("");
    const fhir = join((c) => c.fhir);
    if (this.fhir !== undefined && fhir !== "") writeSync(this.fhir, fhir);
    const out = join((c) => c.out);
    if (out !== "") writeSync(this.out, out);
    const errors = join((c) => c.error);
    if (errors !== "") writeSync(this.errors, errors);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once everything up to `seq` (exclusive) is written: bounds the reorder buffer. */
  async waitUntil(seq: number): Promise<void> {
    while (this.next < seq) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    for (const fd of [this.fhir, this.out, this.errors]) {
      if (fd === undefined) continue;
      fsyncSync(fd);
      closeSync(fd);
    }
  }
}
