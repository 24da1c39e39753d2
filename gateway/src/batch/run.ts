/**
 * One batch run: read records, skip those a previous run wrote, validate, hand chunks to the worker with
 * bounded concurrency, and write outcomes in input order. A bad record costs only itself.
 */
import { performance } from "node:perf_hooks";
import { OrderedWriter, type OutputPaths, reconcileFhirOutput, writtenIds } from "./checkpoint";
import { fhirOutputLine } from "./fhir-output";
import type { BatchInput } from "./input/index";
import type { Progress, ProgressState } from "./progress";
import {
  type BadRecord,
  errorLine,
  type InputRecord,
  type Outcome,
  outputLine,
  textProblem,
  type Worker,
} from "./record";

export interface RunOptions {
  input: BatchInput;
  worker: Worker;
  paths: OutputPaths;
  /** Records per worker call. */
  chunkSize: number;
  /** Worker calls in flight. */
  concurrency: number;
  maxTextChars: number;
  progress: Progress;
}

/** How far ahead of the oldest unwritten record work may run, in chunks: bounds memory held for reordering. */
const REORDER_WINDOW_CHUNKS = 4;

function where(item: { line?: number; file?: string }): string {
  return item.line !== undefined ? `line ${item.line}` : `file ${item.file}`;
}

export async function runBatch(options: RunOptions): Promise<ProgressState> {
  const { input, worker, paths, chunkSize, concurrency, maxTextChars, progress } = options;
  const done = writtenIds(paths.out);
  if (paths.fhir !== undefined) reconcileFhirOutput(paths.fhir, done);
  const total = await input.count();
  const started = performance.now();
  const state: ProgressState = { written: 0, failed: 0, skipped: 0, total, elapsedMs: 0 };
  const writer = new OrderedWriter(paths);
  const report = () => {
    state.elapsedMs = performance.now() - started;
    progress.update(state);
  };

  let seq = 0;
  const fail = (bad: Omit<BadRecord, "kind">, at: number) => {
    state.failed++;
    writer.complete({ seq: at, error: errorLine(bad) });
  };
  const settle = (record: InputRecord, at: number, outcome: Outcome) => {
    if (!outcome.ok) {
      fail({ line: record.line, file: record.file, id: record.id, reason: outcome.reason }, at);
      return;
    }
    const fhir =
      paths.fhir !== undefined && record.fhir !== undefined && outcome.result.text !== undefined
        ? fhirOutputLine(record.fhir, outcome.result.text)
        : undefined;
    state.written++;
    writer.complete({ seq: at, out: outputLine(record.id, outcome.result), fhir });
  };

  const inFlight = new Set<Promise<void>>();
  let chunk: Array<{ record: InputRecord; seq: number }> = [];
  const dispatch = async () => {
    if (chunk.length === 0) return;
    const entries = chunk;
    const records = entries.map((e) => e.record);
    const first = (entries[0] as { seq: number }).seq;
    chunk = [];
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    await writer.waitUntil(first - REORDER_WINDOW_CHUNKS * concurrency * chunkSize);
    const job = worker
      .process(records)
      .catch((err: unknown): Outcome[] =>
        records.map(() => ({ ok: false, reason: `worker failed (${(err as Error).name})` })),
      )
      .then((outcomes) => {
        entries.forEach((e, i) => {
          settle(e.record, e.seq, outcomes[i] ?? { ok: false, reason: "worker returned no outcome" });
        });
        report();
      })
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  };

  const firstSeen = new Map<string, string>();
  for await (const item of input.read()) {
    const earlier = item.id === undefined ? undefined : firstSeen.get(item.id);
    if (item.id !== undefined && earlier === undefined) firstSeen.set(item.id, where(item));
    if (item.kind === "record" && earlier === undefined && done.has(item.id)) {
      state.skipped++;
      continue;
    }
    const problem =
      item.kind === "bad"
        ? item.reason
        : earlier !== undefined
          ? `duplicate id (first on ${earlier})`
          : textProblem(item.text, maxTextChars);
    if (problem !== undefined) {
      fail({ line: item.line, file: item.file, id: item.id, reason: problem }, seq++);
      report();
      continue;
    }
    chunk.push({ record: item as InputRecord, seq: seq++ });
    if (chunk.length >= chunkSize) await dispatch();
  }
  await dispatch();
  while (inFlight.size > 0) await Promise.race(inFlight);
  writer.close();
  state.elapsedMs = performance.now() - started;
  progress.finish(state);
  return state;
}
