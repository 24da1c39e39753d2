/**
 * When to try a gateway call again and how long to wait. 429 and 503 carry Retry-After, which is a floor:
 * the wait adds up to a second of jitter on top so that many clients told "1" do not return in the same
 * millisecond. Without Retry-After the wait grows exponentially, with half of it random ("equal jitter").
 */

/** Statuses worth retrying: the gateway is busy or an upstream hop failed, the request itself was fine. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export const RETRY_BASE_MS = 250;
export const RETRY_MAX_MS = 30_000;
export const RETRY_AFTER_JITTER_MS = 1000;

/** Delta-seconds or an HTTP date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined || header.trim() === "") return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The wait before attempt `attempt + 1` (attempt counts from 0); `random` returns [0, 1). */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined)
    return Math.min(RETRY_MAX_MS, retryAfterMs) + random() * RETRY_AFTER_JITTER_MS;
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The system error code of a failed fetch (ECONNREFUSED, ECONNRESET, ...), never its message. */
export function networkErrorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  return (err as Error).name ?? "Error";
}
