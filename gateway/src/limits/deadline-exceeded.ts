/**
 * The error every stage raises when a request's latency budget is spent. It lives apart from the HTTP side of
 * deadlines so the inference layer (batcher, Triton client) can raise it without depending on Express.
 */

/** Which stage found the budget spent; a metric label and nothing else. */
export type ExpiryStage = "gateway_queue" | "backend_queue" | "running";

export const EXPIRY_STAGES: readonly ExpiryStage[] = ["gateway_queue", "backend_queue", "running"];

/** The budget ran out before the answer was ready: the request is dropped, never computed for nobody. */
export class DeadlineExceededError extends Error {
  constructor(readonly stage: ExpiryStage) {
    super(`the request's latency budget ran out (${stage})`);
    this.name = "DeadlineExceededError";
  }
}
