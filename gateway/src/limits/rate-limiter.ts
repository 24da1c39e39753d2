/**
 * Per-client token buckets: each client may burst up to `burst` requests, refilled at `ratePerSecond`.
 * Buckets for clients that have not been seen for a while are dropped so the map stays bounded.
 */
export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until one token is available (only when refused). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly maxClients = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(clientKey: string): RateDecision {
    const nowMs = this.now();
    let bucket = this.buckets.get(clientKey);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.evictFull(nowMs);
      bucket = { tokens: this.burst, updatedMs: nowMs };
      this.buckets.set(clientKey, bucket);
    } else {
      const refill = ((nowMs - bucket.updatedMs) / 1000) * this.ratePerSecond;
      bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
      bucket.updatedMs = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)),
    };
  }

  /** A bucket that would be full again is indistinguishable from a new one, so it can go. */
  private evictFull(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * this.ratePerSecond >= this.burst) {
        this.buckets.delete(key);
      }
    }
    if (this.buckets.size >= this.maxClients) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
  }
}
