/**
 * What the benchmark reads from running servers: JSON and Prometheus text over loopback, batch counters
 * (executions and items) and requests in flight, from the gateway's metrics or Triton's.
 */
import { request } from "undici";
import { histogramTotals, metricSum } from "../prometheus";
import type { BatchCounters } from "../subject";
import type { LocalModel } from "./context";

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await request(url, { headers, headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  return JSON.parse(text);
}

export async function getText(url: string): Promise<string> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  return text;
}

export async function gatewayCounters(metricsOrigin: string): Promise<BatchCounters> {
  const { sum, count } = histogramTotals(
    await getText(`${metricsOrigin}/metrics`),
    "gateway_backend_batch_size",
  );
  return { executions: count, items: sum };
}

/**
 * Triton's own counters from its Prometheus endpoint: nv_inference_count counts inferences (sequences),
 * nv_inference_exec_count model executions (batches). The statistics API would say the same but pytriton
 * restricts it to callers holding its generated access token; the metrics port is open.
 */
export async function tritonCounters(metricsOrigin: string, model: LocalModel): Promise<BatchCounters> {
  const text = await getText(`${metricsOrigin}/metrics`);
  const read = (metric: string) => {
    let total = 0;
    let seen = false;
    for (const line of text.split("\n")) {
      if (!line.startsWith(`${metric}{`) || !line.includes(`model="${model.name}"`)) continue;
      const value = Number(line.slice(line.lastIndexOf(" ") + 1));
      if (Number.isFinite(value)) {
        total += value;
        seen = true;
      }
    }
    if (!seen)
      throw new Error(`Triton metrics at ${metricsOrigin}/metrics have no ${metric} for ${model.name}`);
    return total;
  };
  return { executions: read("nv_inference_exec_count"), items: read("nv_inference_count") };
}

/** Requests Triton has accepted and not finished (nv_inference_pending_request_count, Triton ≥ 2.24). */
export async function tritonPending(metricsOrigin: string, model: LocalModel): Promise<number> {
  const text = await getText(`${metricsOrigin}/metrics`);
  const pending = metricSum(text, "nv_inference_pending_request_count", `model="${model.name}"`);
  if (pending === null) {
    throw new Error(`Triton metrics at ${metricsOrigin}/metrics have no nv_inference_pending_request_count`);
  }
  return pending;
}

/** Requests inside the gateway: waiting for a backend slot plus in the backend (queued in the batcher or running). */
export async function gatewayInFlight(metricsOrigin: string): Promise<number> {
  const text = await getText(`${metricsOrigin}/metrics`);
  return (
    (metricSum(text, "gateway_pending_requests") ?? 0) +
    (metricSum(text, "gateway_backend_inflight_requests") ?? 0)
  );
}
