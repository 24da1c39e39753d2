/**
 * What a non-200 answer to a KServe v2 inference call means for the gateway. Triton's queue policy
 * (config.pbtxt's default_queue_policy) answers 503 with a fixed error text when it drops a request: the
 * texts below were recorded from the real server the tests run (Triton 2.51 bundled with nvidia-pytriton):
 *
 *   503 {"error":"Request timeout expired"}                                   -> the request's budget ran out
 *   503 {"error":"[request id: <id_unknown>] Exceeds maximum queue size"}     -> the bounded queue is full
 *
 * Both come from a live, healthy server that is shedding load, so they must not open the circuit breaker the
 * way a crashing server's 5xx does, and they map to the gateway's own answers for the same situations
 * (504 deadline-exceeded, 503 overloaded) rather than to backend-unavailable.
 */
import { BackendOverloadedError, BackendUnavailableError } from "../contracts";
import { DeadlineExceededError } from "../limits/deadline-exceeded";
import type { CallOutcome } from "./circuit-breaker";
import type { HttpResponse } from "./kserve-client";
import { errorText } from "./triton-model-checks";

export const TRITON_QUEUE_TIMEOUT = "Request timeout expired";
export const TRITON_QUEUE_FULL = "Exceeds maximum queue size";

export interface InferenceFailure {
  error: Error;
  /** What the call means for the circuit breaker. */
  outcome: CallOutcome;
}

/** `what` names the model and version for the (logged, never returned) message. */
export function inferenceFailure(response: HttpResponse, what: string): InferenceFailure {
  const text = errorText(response);
  if (response.status === 503 && text.includes(TRITON_QUEUE_TIMEOUT)) {
    return { error: new DeadlineExceededError("backend_queue"), outcome: "success" };
  }
  if (response.status === 503 && text.includes(TRITON_QUEUE_FULL)) {
    return { error: new BackendOverloadedError(`Triton's queue for ${what} is full`), outcome: "success" };
  }
  // Any other 4xx is an answer from a live server (our request or the deployment is wrong): it must not open
  // the circuit. Any other 5xx means the server is in trouble.
  return {
    error: new BackendUnavailableError(
      `Triton answered ${response.status} to inference on ${what}${text}`,
      "upstream_error",
    ),
    outcome: response.status >= 500 ? "failure" : "success",
  };
}
