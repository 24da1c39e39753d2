/**
 * Bounds the work the gateway sends to the backend: at most `maxInflight` calls run, at most `maxPending`
 * wait, and anything beyond is refused at once, so latency under overload stays bounded instead of growing
 * with an unbounded queue.
 */
export class OverloadedError extends Error {
  constructor() {
    super("The gateway is at capacity");
    this.name = "OverloadedError";
  }
}

export class AbortedWhileQueuedError extends Error {
  constructor() {
    super("The request was cancelled while waiting for capacity");
    this.name = "AbortedWhileQueuedError";
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly maxInflight: number,
    readonly maxPending: number,
  ) {}

  get inflight(): number {
    return this.running;
  }

  get pending(): number {
    return this.waiters.length;
  }

  /** Runs `task` when a slot is free; rejects with OverloadedError when both slots and queue are full. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.running < this.maxInflight) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiters.length >= this.maxPending) return Promise.reject(new OverloadedError());
    if (signal?.aborted) return Promise.reject(new AbortedWhileQueuedError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new AbortedWhileQueuedError());
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) {
      // The slot passes straight to the next waiter; `running` stays the same.
      if (next.onAbort) next.signal?.removeEventListener("abort", next.onAbort);
      next.resolve();
    } else {
      this.running--;
    }
  }
}
