/**
 * Sends records to a deployed gateway: sentiment through POST /v1/sentiment/batch (many texts per call),
 * de-identified text through POST /v1/deidentify (the API has one text per call for it). At most
 * `concurrency` calls are in flight; busy answers are retried after their Retry-After.
 */
import type { ModelInfo, PhiCounts, PhiType, SentimentLabel } from "../contracts";
import { phiSummary } from "../contracts";
import { type InputRecord, needsSentiment, needsText, type Outcome, type Task, type Worker } from "./record";
import { networkErrorCode, parseRetryAfter, RETRYABLE_STATUSES, retryDelayMs, sleep } from "./retry";
import type { TokenSource } from "./token-source";

export const SENTIMENT_BATCH_PATH = "/v1/sentiment/batch";
export const DEIDENTIFY_PATH = "/v1/deidentify";
/** Longer than the gateway's own request timeout (60 s), so a slow answer is the gateway's to cut, not ours. */
export const REQUEST_TIMEOUT_MS = 90_000;

export interface RemoteWorkerOptions {
  target: URL;
  task: Task;
  tokens: TokenSource;
  concurrency: number;
  maxAttempts: number;
}

interface SentimentItem {
  label: SentimentLabel;
  score: number;
  truncated: boolean;
  model: ModelInfo;
  phi: { count: number; types: PhiCounts };
}

/** An answer that retrying will not change: the records it covers fail with `reason`. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Problem type slug of an RFC 9457 body (urn:clinical-inference:problem:<slug>), else the status alone. */
async function problemSlug(res: Response): Promise<string> {
  const body = (await res.json().catch(() => ({}))) as { type?: unknown };
  const type = typeof body.type === "string" ? body.type : "";
  return type.slice(type.lastIndexOf(":") + 1) || "no problem type";
}

/** A counting semaphore: calls wait their turn instead of piling onto the gateway. */
function limiter(max: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    while (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export function createRemoteWorker(options: RemoteWorkerOptions): Worker {
  const { target, task, tokens, maxAttempts } = options;
  const limit = limiter(options.concurrency);

  const post = (path: string, body: unknown): Promise<unknown> =>
    limit(async () => {
      const url = new URL(path, target);
      let rejectedToken = false;
      for (let attempt = 0; ; attempt++) {
        let token: string;
        try {
          token = await tokens.token();
        } catch (err) {
          throw new Refused(0, `token renewal failed (${(err as Error).name})`);
        }
        let res: Response;
        try {
          res = await fetch(url, {
            method: "POST",
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
        } catch (err) {
          if (attempt + 1 >= maxAttempts) {
            throw new Refused(
              0,
              `gateway unreachable (${networkErrorCode(err)}) after ${maxAttempts} attempts`,
            );
          }
          await sleep(retryDelayMs(attempt, undefined));
          continue;
        }
        if (res.ok) return res.json();
        // A token refused once is renewed once (keys may have rotated); refused again, it is a real failure.
        if (res.status === 401 && !rejectedToken) {
          await res.body?.cancel();
          rejectedToken = true;
          tokens.invalidate(token);
          continue;
        }
        const slug = await problemSlug(res);
        if (!RETRYABLE_STATUSES.has(res.status))
          throw new Refused(res.status, `gateway answered ${res.status} (${slug})`);
        if (attempt + 1 >= maxAttempts) {
          throw new Refused(
            res.status,
            `gateway answered ${res.status} (${slug}) after ${maxAttempts} attempts`,
          );
        }
        await sleep(retryDelayMs(attempt, parseRetryAfter(res.headers.get("retry-after"), Date.now())));
      }
    });

  /** One batch call; a refusal about the content (413/422) is narrowed down by halving to the records causing it. */
  const sentiment = async (texts: readonly string[]): Promise<Array<SentimentItem | Refused>> => {
    try {
      const body = (await post(SENTIMENT_BATCH_PATH, { texts })) as { results?: SentimentItem[] };
      if (!Array.isArray(body.results) || body.results.length !== texts.length) {
        return texts.map(() => new Refused(200, "gateway answered a batch with the wrong number of results"));
      }
      return body.results;
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      if (texts.length > 1 && (err.status === 413 || err.status === 422)) {
        const half = Math.ceil(texts.length / 2);
        const [a, b] = await Promise.all([sentiment(texts.slice(0, half)), sentiment(texts.slice(half))]);
        return [...a, ...b];
      }
      return texts.map(() => err);
    }
  };

  const deidentify = async (text: string): Promise<{ text: string; counts: PhiCounts } | Refused> => {
    try {
      const body = (await post(DEIDENTIFY_PATH, { text })) as { text: string; entities: { type: PhiType }[] };
      const counts: PhiCounts = {};
      for (const e of body.entities) counts[e.type] = (counts[e.type] ?? 0) + 1;
      return { text: body.text, counts };
    } catch (err) {
      if (err instanceof Refused) return err;
      throw err;
    }
  };

  return {
    description: `gateway ${target.origin}`,
    async process(records: readonly InputRecord[]): Promise<Outcome[]> {
      const texts = records.map((r) => r.text);
      const [scored, cleaned] = await Promise.all([
        needsSentiment(task) ? sentiment(texts) : undefined,
        needsText(task) ? Promise.all(texts.map(deidentify)) : undefined,
      ]);
      return records.map((_, i): Outcome => {
        const s = scored?.[i];
        const d = cleaned?.[i];
        if (s instanceof Refused) return { ok: false, reason: s.reason };
        if (d instanceof Refused) return { ok: false, reason: d.reason };
        return {
          ok: true,
          result: {
            ...(d === undefined ? {} : { text: d.text }),
            ...(s === undefined
              ? {}
              : { label: s.label, score: s.score, truncated: s.truncated, model: s.model }),
            // The batch answer and /v1/deidentify count the same detector's findings; either will do.
            phi: s === undefined ? phiSummary((d as { counts: PhiCounts }).counts) : phiSummary(s.phi.types),
          },
        };
      });
    },
    async close() {},
  };
}
