/**
 * OAuth2 client-credentials tokens for the remote worker (RFC 6749 §4.4), renewed before they expire so no
 * request goes out with a token about to lapse. Concurrent callers share one token request.
 */
import { networkErrorCode, parseRetryAfter, RETRYABLE_STATUSES, retryDelayMs, sleep } from "./retry";

export interface TokenSourceOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  maxAttempts: number;
  /** Milliseconds since epoch; injectable so expiry can be tested without waiting. */
  now?: () => number;
}

/** The token endpoint refused the client (wrong id, secret or scope): retrying cannot help. */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialsError";
  }
}

/** Renew when this share of the lifetime is left (at most a minute), so clock skew and slow calls are covered. */
export const RENEW_AT_REMAINING_SHARE = 0.2;
export const RENEW_MAX_MARGIN_MS = 60_000;
/** A token endpoint that has not answered in this long is treated as unreachable and tried again. */
export const TOKEN_TIMEOUT_MS = 30_000;

interface Held {
  token: string;
  renewAt: number;
}

export class TokenSource {
  private held: Held | undefined;
  private inFlight: Promise<Held> | undefined;
  private readonly now: () => number;
  /** Tokens obtained so far (the summary reports renewals). */
  issued = 0;

  constructor(private readonly options: TokenSourceOptions) {
    this.now = options.now ?? Date.now;
  }

  async token(): Promise<string> {
    if (this.held !== undefined && this.now() < this.held.renewAt) return this.held.token;
    this.inFlight ??= this.request().finally(() => {
      this.inFlight = undefined;
    });
    this.held = await this.inFlight;
    return this.held.token;
  }

  /** The gateway rejected the token (e.g. its key rotated): the next call gets a new one. */
  invalidate(token: string): void {
    if (this.held?.token === token) this.held = undefined;
  }

  private async request(): Promise<Held> {
    const { tokenUrl, clientId, clientSecret, scope, maxAttempts } = this.options;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
      "base64",
    );
    for (let attempt = 0; ; attempt++) {
      const sentAt = this.now();
      let res: Response;
      try {
        res = await fetch(tokenUrl, {
          method: "POST",
          headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "client_credentials", scope }).toString(),
          signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
        });
      } catch (err) {
        if (attempt + 1 >= maxAttempts) {
          throw new Error(`token endpoint ${tokenUrl} unreachable (${networkErrorCode(err)})`);
        }
        await sleep(retryDelayMs(attempt, undefined));
        continue;
      }
      if (res.ok) return this.toHeld(await res.json(), sentAt);
      const body = (await res.json().catch(() => ({}))) as { error?: unknown };
      const code = typeof body.error === "string" ? body.error : "no OAuth2 error code";
      if (!RETRYABLE_STATUSES.has(res.status) || attempt + 1 >= maxAttempts) {
        const message = `token endpoint ${tokenUrl} answered ${res.status} (${code}) for client ${clientId}`;
        throw res.status === 400 || res.status === 401 ? new CredentialsError(message) : new Error(message);
      }
      await sleep(retryDelayMs(attempt, parseRetryAfter(res.headers.get("retry-after"), this.now())));
    }
  }

  private toHeld(body: unknown, sentAt: number): Held {
    const { access_token: token, expires_in: expiresIn } = (body ?? {}) as Record<string, unknown>;
    if (typeof token !== "string" || typeof expiresIn !== "number" || !(expiresIn > 0)) {
      throw new Error(`token endpoint ${this.options.tokenUrl} answered without access_token and expires_in`);
    }
    this.issued++;
    const lifetimeMs = expiresIn * 1000;
    // Counted from when the request was sent: the token may have been minted any time after that.
    return {
      token,
      renewAt: sentAt + lifetimeMs - Math.min(RENEW_MAX_MARGIN_MS, lifetimeMs * RENEW_AT_REMAINING_SHARE),
    };
  }
}
