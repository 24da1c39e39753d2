import type {
  BackendStats,
  Deidentifier,
  DeidentifyResult,
  InferenceBackend,
  ModelInfo,
  PhiEntity,
  PhiType,
  Prediction,
} from "../../src/contracts";
import { type BatcherOptions, DynamicBatcher } from "../../src/inference/batcher";

/**
 * In-test doubles for the two engines. HTTP-layer tests are about the gateway's handling of requests, so the
 * engines are replaced by small, observable implementations of the same contracts.
 */

/** Replaces each listed literal with [TYPE] and reports it, like a de-identifier with a fixed dictionary. */
export class DictionaryDeidentifier implements Deidentifier {
  constructor(private readonly dictionary: ReadonlyArray<[string, PhiType]>) {}

  deidentify(text: string): DeidentifyResult {
    const found: PhiEntity[] = [];
    for (const [literal, type] of this.dictionary) {
      let from = 0;
      for (;;) {
        const start = text.indexOf(literal, from);
        if (start < 0) break;
        found.push({ type, start, end: start + literal.length, score: 1 });
        from = start + literal.length;
      }
    }
    found.sort((a, b) => a.start - b.start);
    let out = "";
    let cursor = 0;
    const counts: Partial<Record<PhiType, number>> = {};
    for (const e of found) {
      out += `${text.slice(cursor, e.start)}[${e.type}]`;
      cursor = e.end;
      counts[e.type] = (counts[e.type] ?? 0) + 1;
    }
    out += text.slice(cursor);
    return { text: out, entities: found, counts };
  }
}

/** Classifies by a keyword and records every text it was given, so tests can see what left the gateway. */
export class RecordingBackend implements InferenceBackend {
  readonly kind = "embedded" as const;
  readonly received: string[][] = [];
  isReady = true;
  closed = false;
  failWith?: Error;

  async start(): Promise<void> {}
  async ready(): Promise<boolean> {
    return this.isReady;
  }
  modelInfo(): ModelInfo {
    return { name: "distilbert_sst2", version: "1", synthetic: true };
  }
  async classify(texts: readonly string[]): Promise<Prediction[]> {
    this.received.push([...texts]);
    if (this.failWith) throw this.failWith;
    return texts.map((t) =>
      /good|better|great/i.test(t)
        ? { label: "POSITIVE", score: 0.9, truncated: false }
        : { label: "NEGATIVE", score: 0.8, truncated: false },
    );
  }
  stats(): BackendStats {
    return { queueDepth: 0, batches: this.received.length, batchedItems: 0 };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Holds every classify() call until release() is called: a saturated backend under test control. */
export class BlockingBackend extends RecordingBackend {
  private waiting: Array<() => void> = [];
  /** Resolves when `n` calls are blocked inside classify(). */
  private watchers: Array<{ n: number; resolve: () => void }> = [];

  get blocked(): number {
    return this.waiting.length;
  }

  override async classify(texts: readonly string[]): Promise<Prediction[]> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      for (const w of this.watchers.filter((w) => this.waiting.length >= w.n)) w.resolve();
    });
    return super.classify(texts);
  }

  whenBlocked(n: number): Promise<void> {
    if (this.waiting.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ n, resolve }));
  }

  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  override stats(): BackendStats {
    return { queueDepth: this.waiting.length, batches: 0, batchedItems: 0 };
  }
}

/**
 * A backend with the gateway's real DynamicBatcher in front of a counting model: every text that reaches the
 * model is recorded, and hold() keeps batches running until release(), so a test can fill the queue behind a
 * running batch and see exactly which queued work the model ever got.
 */
export class BatchingBackend extends RecordingBackend {
  /** Every batch the model ran, as the texts in it. */
  readonly ran: string[][] = [];
  private holding = false;
  private gates: Array<() => void> = [];
  private readonly batcher: DynamicBatcher<string, Prediction>;

  constructor(options: Partial<BatcherOptions> = {}) {
    super();
    this.batcher = new DynamicBatcher<string, Prediction>(
      async (_bucket, items) => {
        this.ran.push([...items]);
        if (this.holding) await new Promise<void>((resolve) => this.gates.push(resolve));
        return items.map(() => ({ label: "POSITIVE", score: 0.9, truncated: false }));
      },
      { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueueSize: 64, concurrency: 1, ...options },
    );
  }

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const open of this.gates.splice(0)) open();
  }

  /** Batches currently held inside the model. */
  get running(): number {
    return this.gates.length;
  }

  override classify(
    texts: readonly string[],
    signal?: AbortSignal,
    deadline?: number,
  ): Promise<Prediction[]> {
    return this.batcher.submit(
      texts.map((item) => ({ bucket: 16, item })),
      signal,
      deadline,
    );
  }

  override stats(): BackendStats {
    return this.batcher.stats();
  }
}
