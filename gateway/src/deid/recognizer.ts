/**
 * One interface for every recognizer and the registry the detector loops over (after Presidio's recognizer
 * registry). A recognizer reads a prepared document and returns candidate spans; overlap resolution, the
 * look-alike filter and the second pass happen once, in detect.ts, whatever found the candidates.
 */
import type { DeidDocument } from "./document";
import type { Span } from "./span";

export interface Recognizer {
  /** Unique within a registry; used in errors, never in per-request logs. */
  readonly name: string;
  find(doc: DeidDocument): Span[];
}

/** A recognizer whose work is asynchronous (e.g. a model session that runs off the main thread). */
export interface AsyncRecognizer {
  readonly name: string;
  findAsync(doc: DeidDocument): Promise<Span[]>;
}

export type AnyRecognizer = Recognizer | AsyncRecognizer;

function isAsync(r: AnyRecognizer): r is AsyncRecognizer {
  return typeof (r as AsyncRecognizer).findAsync === "function";
}

export class RecognizerRegistry {
  private readonly entries: AnyRecognizer[] = [];

  constructor(recognizers: readonly AnyRecognizer[] = []) {
    for (const r of recognizers) this.add(r);
  }

  /** Registration order is run order; candidates are concatenated in that order. */
  add(recognizer: AnyRecognizer): this {
    if (this.entries.some((r) => r.name === recognizer.name)) {
      throw new Error(`deid: a recognizer named "${recognizer.name}" is already registered`);
    }
    this.entries.push(recognizer);
    return this;
  }

  /**
   * Registers a recognizer that takes time to load (a model file, a large dictionary) once its loader
   * resolves; until then the registry runs without it. A failed load rejects and registers nothing.
   */
  async addWhenLoaded(load: () => Promise<AnyRecognizer>): Promise<AnyRecognizer> {
    const recognizer = await load();
    this.add(recognizer);
    return recognizer;
  }

  get names(): string[] {
    return this.entries.map((r) => r.name);
  }

  /** True when `find` would refuse: some registered recognizer only runs asynchronously. */
  get needsAsync(): boolean {
    return this.entries.some(isAsync);
  }

  /**
   * Candidates from every recognizer, synchronously. Refuses when an asynchronous recognizer is registered:
   * skipping it silently would let through the identifiers only it finds.
   */
  find(doc: DeidDocument): Span[] {
    const out: Span[] = [];
    for (const r of this.entries) {
      if (isAsync(r)) {
        throw new Error(`deid: recognizer "${r.name}" is asynchronous; use detectAsync with this registry`);
      }
      for (const s of r.find(doc)) out.push(s);
    }
    return out;
  }

  /** Candidates from every recognizer, synchronous ones included, in registration order. */
  async findAsync(doc: DeidDocument): Promise<Span[]> {
    const found = await Promise.all(
      this.entries.map((r) => (isAsync(r) ? r.findAsync(doc) : Promise.resolve(r.find(doc)))),
    );
    return found.flat();
  }
}
