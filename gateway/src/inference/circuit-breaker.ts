/**
 * A consecutive-failure circuit breaker. After `failureThreshold` failures in a row the circuit opens and calls
 * fail at once (no connection attempt, no timeout wait) for `cooldownMs`; then exactly one probe call is let
 * through (half-open). Its success closes the circuit, its failure opens it for another cooldown. This keeps a
 * dead Triton from turning every gateway request into a multi-second timeout and from being hammered while it
 * restarts.
 */
export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
}

/** Outcome of a call: `neutral` (e.g. the caller gave up) neither closes nor opens the circuit. */
export type CallOutcome = "success" | "failure" | "neutral";

export class CircuitBreaker {
  private state: CircuitState = "closed";
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new Error("circuit breaker failureThreshold must be an integer >= 1");
    }
    if (!Number.isFinite(options.cooldownMs) || options.cooldownMs < 0) {
      throw new Error("circuit breaker cooldownMs must be >= 0");
    }
    this.now = options.now ?? Date.now;
  }

  get current(): CircuitState {
    return this.state;
  }

  /** Milliseconds until a probe will be allowed (0 when calls are allowed now). */
  retryAfterMs(): number {
    if (this.state !== "open") return 0;
    return Math.max(0, this.openedAt + this.options.cooldownMs - this.now());
  }

  /** True when a call may go ahead; the caller must then report its outcome with record(). */
  tryAcquire(): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") {
      if (this.now() - this.openedAt < this.options.cooldownMs) return false;
      this.state = "half_open";
      this.probing = false;
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  record(outcome: CallOutcome): void {
    if (this.state === "half_open") {
      this.probing = false;
      if (outcome === "success") this.close();
      else if (outcome === "failure") this.open();
      return;
    }
    if (outcome === "success") this.failures = 0;
    else if (outcome === "failure" && this.state === "closed") {
      this.failures++;
      if (this.failures >= this.options.failureThreshold) this.open();
    }
  }

  private open(): void {
    this.state = "open";
    this.openedAt = this.now();
    this.failures = 0;
  }

  private close(): void {
    this.state = "closed";
    this.failures = 0;
  }
}
