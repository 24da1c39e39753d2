/**
 * The gateway as a benchmark subject: the real process (gateway/src/main.ts) with the embedded or Triton backend,
 * or wrapped around a trivial instrument backend (bench/servers/gateway-instrument.ts) to measure its own cost.
 */

import path from "node:path";
import { request } from "undici";
import {
  DEID_MODEL_OFF,
  GATEWAY_ENV,
  type ModelPrecision,
  REQUEST_DEADLINE,
} from "../../../gateway/src/deployment-contract";
import type { Subject } from "../subject";
import { textBodies } from "../workload";
import type { LocalContext } from "./context";
import { gatewayCounters, gatewayInFlight, tritonCounters, tritonPending } from "./metrics";
import { baseProcessEnv, freePort, nodeWithTsx, type ServerProcess, startServer } from "./process";

/** Gateway settings that keep the benchmark client from being throttled as an abusive client would be. */
function gatewayBaseEnv(ctx: LocalContext, port: number, metricsPort: number): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: "info",
    JWT_ISSUER: ctx.issuer.issuer,
    JWT_AUDIENCE: ctx.issuer.audience,
    JWT_JWKS_FILE: ctx.issuer.jwksFile,
    DEID_KEY_FILE: ctx.deidKeyFile,
    // One benchmark client sends all the load: per-client rate limiting would measure the limiter instead.
    RATE_LIMIT_RPS: "1000000",
    RATE_LIMIT_BURST: "1000000",
    MAX_INFLIGHT: String(Math.max(64, ctx.maxConcurrency)),
    MAX_PENDING: "4096",
    SEQUENCE_BUCKETS: ctx.model.buckets.join(","),
  };
}

/** Padded length of every workload sentence after the gateway's own de-identification (via /v1/deidentify). */
async function deidentifiedBuckets(ctx: LocalContext, origin: string): Promise<number[]> {
  const token = await ctx.issuer.mint(600, "inference:invoke phi:deidentify");
  const buckets: number[] = [];
  for (const item of ctx.workload.items) {
    const res = await request(`${origin}/v1/deidentify`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ text: item.text }),
    });
    const body = (await res.body.json()) as { text?: unknown };
    if (res.statusCode !== 200 || typeof body.text !== "string") {
      throw new Error(
        `the gateway's /v1/deidentify answered ${res.statusCode} while measuring padded lengths`,
      );
    }
    buckets.push(ctx.model.bucketOf(body.text));
  }
  return buckets;
}

export interface GatewayOptions {
  id: string;
  scenario: string;
  label: string;
  description: string;
  backendEnv: Record<string, string>;
  /** Where batch sizes are observed: the gateway's own batcher or the Triton behind it. */
  batchesFrom: "gateway" | { tritonMetricsOrigin: string };
  extraServers?: ServerProcess[];
  server: Record<string, string | number | boolean>;
}

const gatewayStarts = new Map<string, number>();

export async function gatewaySubject(ctx: LocalContext, o: GatewayOptions): Promise<Subject> {
  const port = await freePort();
  const metricsPort = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const metricsOrigin = `http://127.0.0.1:${metricsPort}`;
  ctx.progress.status(`${o.id}: starting the gateway (${o.backendEnv.BACKEND ?? "embedded"} backend)`);
  // One file per start: a scenario started twice (the overload cases, then a fresh gateway for SIGTERM) keeps both.
  const starts = (gatewayStarts.get(o.id) ?? 0) + 1;
  gatewayStarts.set(o.id, starts);
  const suffix = starts === 1 ? "" : `-${starts}`;
  const logFile = path.join(ctx.runDir, `${o.id.replace(/\//g, "_")}-gateway${suffix}.log`);
  const proc = await startServer({
    name: `${o.id} gateway`,
    ...nodeWithTsx(path.join(ctx.repoRoot, "gateway", "src", "main.ts")),
    cwd: ctx.repoRoot,
    env: { ...baseProcessEnv(), ...gatewayBaseEnv(ctx, port, metricsPort), ...o.backendEnv },
    logFile,
    readyUrl: `${origin}/readyz`,
    readyTimeoutS: 180,
  });
  const extra = o.extraServers ?? [];
  try {
    const paddedLengths = await deidentifiedBuckets(ctx, origin);
    const token = await ctx.issuer.mint();
    return {
      id: o.id,
      scenario: o.scenario,
      label: o.label,
      description: o.description,
      instrument: null,
      server: o.server,
      target: {
        origin,
        path: "/v1/sentiment",
        headers: { authorization: `Bearer ${token}` },
        bodies: textBodies(ctx.workload.items),
      },
      pids: [proc.pid, ...extra.map((e) => e.pid)],
      metricsOrigin,
      logFile,
      paddedLengths,
      inFlight: async () =>
        (await gatewayInFlight(metricsOrigin)) +
        (o.batchesFrom === "gateway" ? 0 : await tritonPending(o.batchesFrom.tritonMetricsOrigin, ctx.model)),
      batchCounters: () =>
        o.batchesFrom === "gateway"
          ? gatewayCounters(metricsOrigin)
          : tritonCounters(o.batchesFrom.tritonMetricsOrigin, ctx.model),
      stop: async () => {
        await proc.stop();
        for (const e of extra) await e.stop();
      },
    };
  } catch (err) {
    await proc.stop();
    for (const e of extra) await e.stop();
    throw err;
  }
}

/** The gateway's batcher in every batched scenario, embedded or in front of Triton. */
export const GATEWAY_BATCHING = { maxBatchSize: 16, maxQueueDelayMs: 4 } as const;

/**
 * Capacity, not the latency budget: with the 1 s default, admission sheds and deadlines expire on a busy 2-core
 * machine before saturation is reached (the overload scenarios measure that policy).
 */
export function capacityBudgetEnv(): Record<string, string> {
  return { REQUEST_DEADLINE_MS: String(REQUEST_DEADLINE.maxMs) };
}

/** fp32 scenarios keep their historical names; int8 ones carry the suffix. */
export function embeddedSubject(
  ctx: LocalContext,
  batching: boolean,
  precision: ModelPrecision,
): Promise<Subject> {
  const id = `${batching ? "embedded-batched" : "embedded-unbatched"}${precision === "int8" ? "-int8" : ""}`;
  return gatewaySubject(ctx, {
    id,
    scenario: id,
    label: `${batching ? "gateway, embedded ONNX Runtime, dynamic batching" : "gateway, embedded ONNX Runtime, one pass per request"}, ${precision}`,
    description: batching
      ? "Full gateway (JWT, de-identification, tokenization) with in-process ONNX Runtime; bucketed padding and the gateway's dynamic batcher (max batch 16, 4 ms queue delay)."
      : "Full gateway (JWT, de-identification, tokenization) with in-process ONNX Runtime and batching off: one forward pass per HTTP request, the paper's CPU-in-the-web-service baseline.",
    backendEnv: {
      BACKEND: "embedded",
      MODEL_REPOSITORY: ctx.model.repository,
      MODEL_NAME: ctx.model.name,
      MODEL_VERSION: ctx.model.version,
      MODEL_PRECISION: precision,
      ...capacityBudgetEnv(),
      BATCHING: batching ? "on" : "off",
      BATCH_MAX_SIZE: String(GATEWAY_BATCHING.maxBatchSize),
      BATCH_MAX_QUEUE_DELAY_MS: String(GATEWAY_BATCHING.maxQueueDelayMs),
    },
    batchesFrom: "gateway",
    server: {
      process: "node gateway/src/main.ts",
      backend: "embedded",
      precision,
      batching,
      maxBatchSize: GATEWAY_BATCHING.maxBatchSize,
      maxQueueDelayMs: GATEWAY_BATCHING.maxQueueDelayMs,
    },
  });
}

/**
 * `served`: the de-identifier the gateway serves by default (rules + learned model); `rules-only`: DEID_MODEL=off,
 * to show how much of the pipeline's cost is the learned detector.
 */
export type InstrumentDeid = "served" | "rules-only";

export async function gatewayInstrumentSubject(
  ctx: LocalContext,
  deid: InstrumentDeid = "served",
): Promise<Subject> {
  const suffix = deid === "rules-only" ? "-rules-only" : "";
  const port = await freePort();
  const metricsPort = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  ctx.progress.status(`gateway-overhead/gateway${suffix}: starting the gateway with the instrument backend`);
  const proc = await startServer({
    name: "gateway-instrument",
    ...nodeWithTsx(path.join(ctx.repoRoot, "bench", "servers", "gateway-instrument.ts")),
    cwd: ctx.repoRoot,
    env: {
      ...baseProcessEnv(),
      ...gatewayBaseEnv(ctx, port, metricsPort),
      ...(deid === "rules-only" ? { [GATEWAY_ENV.DEID_MODEL]: DEID_MODEL_OFF } : {}),
    },
    logFile: path.join(ctx.runDir, `gateway-instrument${suffix}.log`),
    readyUrl: `${origin}/readyz`,
    readyTimeoutS: 60,
  });
  const token = await ctx.issuer.mint();
  return {
    id: `gateway-overhead/gateway${suffix}`,
    scenario: "gateway-overhead",
    label: `gateway pipeline, trivial backend (instrument)${deid === "rules-only" ? ", rules-only de-identification" : ""}`,
    description:
      "The real gateway app (JWT verification, scope check, limits, validation, de-identification, metrics, logs) with a backend that answers without a model.",
    instrument:
      "gateway with a trivial backend (bench/servers/gateway-instrument.ts): measures the gateway's own per-request cost; its answers are fixed, not predictions.",
    server: { process: "node bench/servers/gateway-instrument.ts", backend: "instrument (no model)", deid },
    target: {
      origin,
      path: "/v1/sentiment",
      headers: { authorization: `Bearer ${token}` },
      bodies: textBodies(ctx.workload.items),
    },
    pids: [proc.pid],
    paddedLengths: null,
    batchCounters: async () => null,
    stop: () => proc.stop(),
  };
}
