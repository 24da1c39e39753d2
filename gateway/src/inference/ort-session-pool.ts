/**
 * Several ONNX Runtime sessions, each in its own worker thread with its own supervisor, and the choice of which
 * one runs the next batch. One session per core with one intra-op thread each beats one session spread over
 * every core: measured on 2 cores with the int8 model at [16, 64] (bench/ort-layout.ts), 91 vs 76 sequences/s
 * alone and 75 vs 61 with a process beside it taking 0.6 ms of every 2 (medians of 4 rounds, docs/benchmarks.md). An intra-op
 * operator waits for its slowest thread, so each time the event loop (shedding, answering) takes a core, the
 * one spread session stalls whole; of two sessions only the interrupted one waits.
 */
/** What the pool needs of a supervisor (OrtWorkerSupervisor), so the choice is tested without a model. */
export interface PooledSession<W> {
  /** The worker serving now; undefined while it restarts or after it gave up. */
  readonly current: W | undefined;
  /** The current worker, or the error that says why there is none. */
  serving(): W;
  /** False once this session's restarts are exhausted. */
  readonly live: boolean;
  close(): Promise<void>;
}

/** Default number of sessions: one per core, at most this many (each holds its own copy of the model). */
export const MAX_DEFAULT_SESSIONS = 4;

/** ORT_SESSIONS when unset, on a machine of `cores` cores. */
export function defaultSessions(cores: number): number {
  return Math.min(MAX_DEFAULT_SESSIONS, cores);
}

/** ORT_INTRA_OP_THREADS 0 means "ONNX Runtime decides" with one session; with several, the cores are shared. */
export function intraOpThreadsPerSession(configured: number, sessions: number, cores: number): number {
  if (configured > 0 || sessions === 1) return configured;
  return Math.max(1, Math.floor(cores / sessions));
}

export class OrtSessionPool<W> {
  private readonly busy = new Set<PooledSession<W>>();

  constructor(private readonly sessions: readonly PooledSession<W>[]) {
    if (sessions.length === 0) throw new Error("an ONNX Runtime session pool needs at least one session");
  }

  /** Some session serves now. */
  get serving(): boolean {
    return this.sessions.some((s) => s.current !== undefined);
  }

  /** Every session can still serve (a session that gave up fails /healthz, so the pod is replaced whole). */
  get live(): boolean {
    return this.sessions.every((s) => s.live);
  }

  /** Throws the reason no session serves, as the answer a request gets while every one restarts. */
  assertServing(): void {
    if (!this.serving) (this.sessions[0] as PooledSession<W>).serving();
  }

  /**
   * Runs `task` on an idle serving session (a busy one if all serving ones are busy: the batcher runs at most
   * one batch per session, so that happens only while some session restarts).
   */
  async run<R>(task: (worker: W) => Promise<R>): Promise<R> {
    const serving = this.sessions.filter((s) => s.current !== undefined);
    const chosen =
      serving.find((s) => !this.busy.has(s)) ?? serving[0] ?? (this.sessions[0] as PooledSession<W>);
    const worker = chosen.serving();
    this.busy.add(chosen);
    try {
      return await task(worker);
    } finally {
      this.busy.delete(chosen);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
  }
}
