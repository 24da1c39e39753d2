/**
 * The HTTP transport to a KServe v2 server (Triton): one undici Pool with keep-alive connections, a deadline per
 * call, and bounded retries for connection failures only.
 *
 * Retry policy: a call is retried only when it failed before any response arrived because the connection could
 * not be made or was dropped (ECONNREFUSED, ECONNRESET, socket closed...). Inference is a pure function, so a
 * repeat is safe, and these errors are typical of a Triton pod restarting or a stale keep-alive socket. An HTTP
 * error status is an answer, not a transport failure: retrying a 4xx cannot help and retrying a 5xx adds load to
 * a struggling server, so neither is retried. A timeout is not retried either: the deadline is for the whole
 * call, and the time is already spent.
 */
import type { Logger } from "pino";
import { Pool } from "undici";
import { BackendUnavailableError } from "../contracts";

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** The error code of a connection-level failure, or undefined for anything else. */
export function connectionErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SendOptions {
  method: "GET" | "POST";
  path: string;
  body?: Buffer;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface KServeClientOptions {
  /** Extra attempts after a connection failure. */
  retries: number;
  /** Keep-alive connections to the server; requests beyond it wait in the pool. */
  connections?: number;
  /** First retry backoff; doubles per attempt, with jitter, capped at 1 s. */
  retryBaseDelayMs?: number;
  logger?: Logger;
}

export class KServeHttpClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  readonly url: string;
  /** Connection-failure retries performed so far (for tests and metrics). */
  retriesPerformed = 0;

  constructor(
    url: string,
    private readonly options: KServeClientOptions,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`TRITON_URL "${url}" is not a valid URL (expected e.g. http://triton:8000)`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new Error(`TRITON_URL "${url}" must use http or https`);
    }
    if (!Number.isInteger(options.retries) || options.retries < 0) {
      throw new Error(`Triton retries must be an integer >= 0, got ${String(options.retries)}`);
    }
    this.url = parsed.origin + parsed.pathname.replace(/\/+$/, "");
    this.basePath = parsed.pathname.replace(/\/+$/, "");
    this.pool = new Pool(parsed.origin, {
      connections: options.connections ?? 32,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: 5_000 },
    });
  }

  /**
   * One call with retries on connection failures. Resolves with any HTTP status (the caller decides what a
   * status means); rejects with BackendUnavailableError for timeouts and transport failures, or with the
   * caller's abort reason when the caller's signal fired.
   */
  async send(options: SendOptions): Promise<HttpResponse> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.pool.request({
          method: options.method,
          path: this.basePath + options.path,
          headers: options.headers,
          body: options.body,
          signal,
        });
        const body = Buffer.from(await response.body.arrayBuffer());
        return { status: response.statusCode, headers: response.headers, body };
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (deadline.aborted) {
          throw new BackendUnavailableError(
            `Triton did not answer ${options.method} ${options.path} within ${options.timeoutMs} ms`,
            "timeout",
          );
        }
        const code = connectionErrorCode(err);
        if (code === undefined) {
          throw new BackendUnavailableError(
            `request to Triton failed: ${(err as Error).message ?? String(err)}`,
            "upstream_error",
          );
        }
        if (attempt >= this.options.retries) {
          throw new BackendUnavailableError(
            `cannot reach Triton at ${this.url} (${code}) after ${attempt + 1} attempt(s)`,
            "upstream_error",
          );
        }
        this.retriesPerformed++;
        this.options.logger?.warn({ code, attempt: attempt + 1, path: options.path }, "retrying Triton call");
        const delay = Math.min(1_000, (this.options.retryBaseDelayMs ?? 25) * 2 ** attempt);
        try {
          await sleep(delay / 2 + Math.random() * (delay / 2), signal);
        } catch {
          if (options.signal?.aborted) throw options.signal.reason;
          throw new BackendUnavailableError(
            `Triton did not answer ${options.method} ${options.path} within ${options.timeoutMs} ms`,
            "timeout",
          );
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
