/**
 * Keeps an ONNX Runtime worker thread (ort-worker.ts) serving: when the thread exits or crashes, the runs it
 * had fail at once with BackendUnavailableError (503 backend-unavailable, never a hang), and a new worker is
 * opened and prepared (contract check, warm-up) after a backoff. Restarts are bounded: past `maxRestarts`
 * crashes within `windowMs` the supervisor gives up and reports itself not live, so /healthz fails and
 * Kubernetes restarts the container, instead of a process that crash-loops a thread forever or answers 200
 * with no model behind it.
 */
import { performance } from "node:perf_hooks";
import { BackendUnavailableError } from "../contracts";
import type { OrtWorker } from "./ort-worker";

export interface RestartPolicy {
  /** Restarts allowed within windowMs; one more crash gives up. */
  maxRestarts: number;
  windowMs: number;
  /** Backoff before restart n (1-based): baseDelayMs × 2^(n-1), at most maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 3,
  windowMs: 60_000,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
};

/**
 * What became of a crashed worker: a new one serves (`restarted`), or the supervisor stopped restarting
 * (`gave_up`, /healthz fails). The fixed label values of gateway_backend_worker_restarts_total.
 */
export const WORKER_RESTART_OUTCOMES = ["restarted", "gave_up"] as const;
export type WorkerRestartOutcome = (typeof WORKER_RESTART_OUTCOMES)[number];

export interface SupervisorHooks {
  /** Opens one worker; it must call `onStopped` when its thread ends for any reason other than close(). */
  open(onStopped: (reason: string) => void): Promise<OrtWorker>;
  /** Makes a new worker fit to serve (contract check, warm-up); a rejection counts as one more crash. */
  prepare(worker: OrtWorker): Promise<void>;
  onCrash?(reason: string, restartInMs: number | undefined): void;
  onRestarted?(restarts: number): void;
  now?: () => number;
}

export class OrtWorkerSupervisor {
  private worker: OrtWorker | undefined;
  private crashes: number[] = [];
  private restarts = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private gaveUp = false;
  private readonly now: () => number;

  constructor(
    private readonly hooks: SupervisorHooks,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {
    this.now = hooks.now ?? (() => performance.now());
  }

  /** Opens and prepares the first worker; a failure here is the caller's (start-up is not retried). */
  async start(): Promise<OrtWorker> {
    let worker: OrtWorker | undefined;
    worker = await this.hooks.open((reason) => this.crashed(worker, reason));
    try {
      await this.hooks.prepare(worker);
    } catch (err) {
      await worker.close();
      throw err;
    }
    this.worker = worker;
    return worker;
  }

  /** The worker that serves now; undefined while one is being restarted or after giving up. */
  get current(): OrtWorker | undefined {
    return this.worker?.alive === true ? this.worker : undefined;
  }

  /** False once restarts are exhausted: this process cannot serve inference again. */
  get live(): boolean {
    return !this.gaveUp;
  }

  /** Restarts done so far (a metric and a test's observation). */
  get restartCount(): number {
    return this.restarts;
  }

  /** The current worker, or the reason there is none, as the error a request answers with. */
  serving(): OrtWorker {
    const worker = this.current;
    if (worker !== undefined) return worker;
    throw new BackendUnavailableError(
      this.gaveUp ? "inference worker crashed too often; not restarting" : "inference worker is restarting",
      "not_ready",
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.close();
  }

  private crashed(worker: OrtWorker | undefined, reason: string): void {
    if (this.closed || (worker !== undefined && worker !== this.worker)) return;
    this.worker = undefined;
    const now = this.now();
    this.crashes = [...this.crashes.filter((at) => now - at < this.policy.windowMs), now];
    if (this.crashes.length > this.policy.maxRestarts) {
      this.gaveUp = true;
      this.hooks.onCrash?.(reason, undefined);
      return;
    }
    const n = this.crashes.length;
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (n - 1));
    this.hooks.onCrash?.(reason, delayMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.restart();
    }, delayMs);
    // A pending restart must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private async restart(): Promise<void> {
    let worker: OrtWorker | undefined;
    try {
      worker = await this.hooks.open((reason) => this.crashed(worker, reason));
      await this.hooks.prepare(worker);
    } catch (err) {
      await worker?.close();
      if (!this.closed) this.crashed(undefined, `restart failed: ${(err as Error).message}`);
      return;
    }
    if (this.closed) {
      await worker.close();
      return;
    }
    this.worker = worker;
    this.restarts++;
    this.hooks.onRestarted?.(this.restarts);
  }
}
