/**
 * The local servers each scenario starts: the gateway (embedded or Triton backend), the gateway around a
 * trivial instrument backend, a bare Express echo, the FastAPI peer and a local Triton. All on 127.0.0.1 with
 * ports from the kernel, all configured through their documented environment.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { request } from "undici";
import type { LocalIssuer } from "../auth";
import type { Progress } from "../progress";
import { histogramTotals, metricSum } from "../prometheus";
import type { BatchCounters, Subject } from "../subject";
import { kservePaddedBodies, type TokenizedWorkload, textBodies } from "../workload";
import { freePort, type ServerProcess, startServer } from "./process";

export interface LocalModel {
  /** Triton-layout repository root. */
  repository: string;
  name: string;
  version: string;
  /** <repository>/<name>/<version> */
  versionDir: string;
  buckets: number[];
  /** Encodes a text exactly as the gateway does; used for de-identified texts. */
  bucketOf(text: string): number;
}

export interface LocalContext {
  repoRoot: string;
  runDir: string;
  model: LocalModel;
  workload: TokenizedWorkload;
  issuer: LocalIssuer;
  deidKeyFile: string;
  python: string;
  maxConcurrency: number;
  progress: Progress;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await request(url, { headers, headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  return JSON.parse(text);
}

async function getText(url: string): Promise<string> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  return text;
}

const nodeWithTsx = (script: string) => ({ command: process.execPath, args: ["--import", "tsx", script] });

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

function baseProcessEnv(): Record<string, string | undefined> {
  // Only what a server needs from our environment: PATH/HOME for tools, nothing of the caller's secrets.
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? "C.UTF-8" };
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

async function gatewayCounters(metricsOrigin: string): Promise<BatchCounters> {
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
async function tritonCounters(metricsOrigin: string, model: LocalModel): Promise<BatchCounters> {
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
async function tritonPending(metricsOrigin: string, model: LocalModel): Promise<number> {
  const text = await getText(`${metricsOrigin}/metrics`);
  const pending = metricSum(text, "nv_inference_pending_request_count", `model="${model.name}"`);
  if (pending === null) {
    throw new Error(`Triton metrics at ${metricsOrigin}/metrics have no nv_inference_pending_request_count`);
  }
  return pending;
}

/** Requests inside the gateway: waiting for a backend slot plus in the backend (queued in the batcher or running). */
async function gatewayInFlight(metricsOrigin: string): Promise<number> {
  const text = await getText(`${metricsOrigin}/metrics`);
  return (
    (metricSum(text, "gateway_pending_requests") ?? 0) +
    (metricSum(text, "gateway_backend_inflight_requests") ?? 0)
  );
}

interface GatewayOptions {
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

async function gatewaySubject(ctx: LocalContext, o: GatewayOptions): Promise<Subject> {
  const port = await freePort();
  const metricsPort = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const metricsOrigin = `http://127.0.0.1:${metricsPort}`;
  ctx.progress.status(`${o.id}: starting the gateway (${o.backendEnv.BACKEND ?? "embedded"} backend)`);
  const proc = await startServer({
    name: `${o.id} gateway`,
    ...nodeWithTsx(path.join(ctx.repoRoot, "gateway", "src", "main.ts")),
    cwd: ctx.repoRoot,
    env: { ...baseProcessEnv(), ...gatewayBaseEnv(ctx, port, metricsPort), ...o.backendEnv },
    logFile: path.join(ctx.runDir, `${o.id.replace(/\//g, "_")}-gateway.log`),
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

export function embeddedSubject(ctx: LocalContext, batching: boolean): Promise<Subject> {
  const id = batching ? "embedded-batched" : "embedded-unbatched";
  return gatewaySubject(ctx, {
    id,
    scenario: id,
    label: batching
      ? "gateway, embedded ONNX Runtime, dynamic batching"
      : "gateway, embedded ONNX Runtime, one pass per request",
    description: batching
      ? "Full gateway (JWT, de-identification, tokenization) with in-process ONNX Runtime; bucketed padding and the gateway's dynamic batcher (max batch 16, 4 ms queue delay)."
      : "Full gateway (JWT, de-identification, tokenization) with in-process ONNX Runtime and batching off: one forward pass per HTTP request, the paper's CPU-in-the-web-service baseline.",
    backendEnv: {
      BACKEND: "embedded",
      MODEL_REPOSITORY: ctx.model.repository,
      MODEL_NAME: ctx.model.name,
      MODEL_VERSION: ctx.model.version,
      BATCHING: batching ? "on" : "off",
      BATCH_MAX_SIZE: "16",
      BATCH_MAX_QUEUE_DELAY_MS: "4",
    },
    batchesFrom: "gateway",
    server: {
      process: "node gateway/src/main.ts",
      backend: "embedded",
      batching,
      maxBatchSize: 16,
      maxQueueDelayMs: 4,
    },
  });
}

export async function fastapiSubject(ctx: LocalContext): Promise<Subject> {
  const appDir = path.join(ctx.repoRoot, "bench", "fastapi_peer");
  if (!existsSync(ctx.python)) {
    throw new Error(`the Python environment ${ctx.python} is missing; run \`npm run setup\` first`);
  }
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  ctx.progress.status("fastapi-peer: starting uvicorn");
  const proc = await startServer({
    name: "fastapi-peer",
    command: ctx.python,
    args: [
      "-m",
      "uvicorn",
      "app:app",
      "--app-dir",
      appDir,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      "1",
    ],
    cwd: ctx.repoRoot,
    env: {
      ...baseProcessEnv(),
      MODEL_DIR: ctx.model.versionDir,
      SEQUENCE_BUCKETS: ctx.model.buckets.join(","),
    },
    logFile: path.join(ctx.runDir, "fastapi-peer.log"),
    readyUrl: `${origin}/healthz`,
    readyTimeoutS: 120,
  });
  return {
    id: "fastapi-peer",
    scenario: "fastapi-peer",
    label: "FastAPI + uvicorn + onnxruntime (Python peer)",
    description:
      "The paper's baseline as its users write it: FastAPI sync endpoint, Python tokenizers, onnxruntime, one forward pass per request, one uvicorn worker; no auth, no de-identification.",
    instrument: null,
    server: { process: "uvicorn app:app --workers 1", framework: "FastAPI", batching: false },
    target: { origin, path: "/v1/sentiment", headers: {}, bodies: textBodies(ctx.workload.items) },
    pids: [proc.pid],
    paddedLengths: ctx.workload.items.map((i) => i.bucket),
    batchCounters: async () => {
      const s = (await getJson(`${origin}/stats`)) as { runs: number; items: number };
      return { executions: s.runs, items: s.items };
    },
    stop: () => proc.stop(),
  };
}

export async function expressEchoSubject(ctx: LocalContext): Promise<Subject> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  ctx.progress.status("gateway-overhead/express-echo: starting");
  const proc = await startServer({
    name: "express-echo",
    ...nodeWithTsx(path.join(ctx.repoRoot, "bench", "servers", "express-echo.ts")),
    cwd: ctx.repoRoot,
    env: { ...baseProcessEnv(), PORT: String(port), HOST: "127.0.0.1" },
    logFile: path.join(ctx.runDir, "express-echo.log"),
    readyUrl: `${origin}/healthz`,
    readyTimeoutS: 60,
  });
  return {
    id: "gateway-overhead/express-echo",
    scenario: "gateway-overhead",
    label: "bare Express JSON echo",
    description:
      "Express 5 with express.json(), answering the parsed body: the floor any Express service pays.",
    instrument:
      "bare Express echo: the reference the gateway's own cost is compared with; no auth, no model.",
    server: { process: "node bench/servers/express-echo.ts" },
    target: { origin, path: "/v1/sentiment", headers: {}, bodies: textBodies(ctx.workload.items) },
    pids: [proc.pid],
    paddedLengths: null,
    batchCounters: async () => null,
    stop: () => proc.stop(),
  };
}

export async function gatewayInstrumentSubject(ctx: LocalContext): Promise<Subject> {
  const port = await freePort();
  const metricsPort = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  ctx.progress.status("gateway-overhead/gateway: starting the gateway with the instrument backend");
  const proc = await startServer({
    name: "gateway-instrument",
    ...nodeWithTsx(path.join(ctx.repoRoot, "bench", "servers", "gateway-instrument.ts")),
    cwd: ctx.repoRoot,
    env: { ...baseProcessEnv(), ...gatewayBaseEnv(ctx, port, metricsPort) },
    logFile: path.join(ctx.runDir, "gateway-instrument.log"),
    readyUrl: `${origin}/readyz`,
    readyTimeoutS: 60,
  });
  const token = await ctx.issuer.mint();
  return {
    id: "gateway-overhead/gateway",
    scenario: "gateway-overhead",
    label: "gateway pipeline, trivial backend (instrument)",
    description:
      "The real gateway app (JWT verification, scope check, limits, validation, de-identification, metrics, logs) with a backend that answers without a model.",
    instrument:
      "gateway with a trivial backend (bench/servers/gateway-instrument.ts): measures the gateway's own per-request cost; its answers are fixed, not predictions.",
    server: { process: "node bench/servers/gateway-instrument.ts", backend: "instrument (no model)" },
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

/** Where the local Triton launcher lives (owned by the inference path) and how it is asked to batch. */
export const TRITON_LAUNCHER = path.join("triton-models", "local", "serve_triton.py");
const TRITON_INTRA_OP_THREADS = os.cpus().length;

export async function startLocalTriton(
  ctx: LocalContext,
  id: string,
  batching: boolean,
): Promise<{ proc: ServerProcess; origin: string; metricsOrigin: string }> {
  const launcher = path.join(ctx.repoRoot, TRITON_LAUNCHER);
  if (!existsSync(launcher)) {
    throw new Error(`the local Triton launcher ${TRITON_LAUNCHER} is not in this checkout`);
  }
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const metricsPort = await freePort();
  const origin = `http://127.0.0.1:${httpPort}`;
  ctx.progress.status(`${id}: starting Triton (dynamic batching ${batching ? "on" : "off"})`);
  const proc = await startServer({
    name: `${id} triton`,
    command: ctx.python,
    args: [
      launcher,
      "--model-repo",
      ctx.model.repository,
      "--model-version",
      ctx.model.version,
      "--host",
      "127.0.0.1",
      "--http-port",
      String(httpPort),
      "--grpc-port",
      String(grpcPort),
      "--metrics-port",
      String(metricsPort),
      "--batching",
      batching ? "on" : "off",
      "--max-batch-size",
      "16",
      // The launcher defaults to one ONNX Runtime thread; the embedded backend and the FastAPI peer use
      // onnxruntime's default (one per core), so Triton gets the same.
      "--intra-op-threads",
      String(TRITON_INTRA_OP_THREADS),
    ],
    cwd: ctx.repoRoot,
    env: { ...baseProcessEnv() },
    logFile: path.join(ctx.runDir, `${id}-triton.log`),
    readyUrl: `${origin}/v2/models/${ctx.model.name}/ready`,
    readyTimeoutS: 240,
  });
  return { proc, origin, metricsOrigin: `http://127.0.0.1:${metricsPort}` };
}

export async function tritonDirectSubject(ctx: LocalContext, batching: boolean): Promise<Subject> {
  const id = batching ? "triton-batched" : "triton-unbatched";
  const { proc, origin, metricsOrigin } = await startLocalTriton(ctx, id, batching);
  return {
    id,
    scenario: id,
    label: batching ? "Triton, dynamic batching (max 16)" : "Triton, no dynamic batching",
    description: `A real local Triton Inference Server on CPU (pytriton), sent pre-tokenized, bucket-padded KServe v2 JSON requests directly, as the paper's Triton client did; dynamic batching ${batching ? "on (max batch 16)" : "off"}.`,
    instrument: null,
    server: {
      process: `python ${TRITON_LAUNCHER}`,
      batching,
      maxBatchSize: 16,
      maxQueueDelayUs: batching ? 2000 : 0,
      intraOpThreads: TRITON_INTRA_OP_THREADS,
    },
    target: {
      origin,
      path: `/v2/models/${ctx.model.name}/infer`,
      headers: {},
      bodies: kservePaddedBodies(ctx.workload.items, ctx.workload.padId),
    },
    pids: [proc.pid],
    paddedLengths: ctx.workload.items.map((i) => i.bucket),
    batchCounters: () => tritonCounters(metricsOrigin, ctx.model),
    inFlight: () => tritonPending(metricsOrigin, ctx.model),
    stop: () => proc.stop(),
  };
}

export async function hybridSubject(ctx: LocalContext): Promise<Subject> {
  const triton = await startLocalTriton(ctx, "hybrid", true);
  try {
    return await gatewaySubject(ctx, {
      id: "hybrid",
      scenario: "hybrid",
      label: "gateway (JWT + de-id + tokenization) → Triton with dynamic batching",
      description:
        "The product path: the gateway authenticates, de-identifies, tokenizes and pads to buckets, then calls a real local Triton (dynamic batching, max 16) over KServe v2.",
      backendEnv: {
        BACKEND: "triton",
        TRITON_URL: triton.origin,
        // The deployed default (2 s) is a latency budget for a GPU; on a 2-core CPU a queue of batches can take
        // longer, and this benchmark measures throughput and latency rather than the timeout policy.
        TRITON_TIMEOUT_MS: "30000",
        MODEL_REPOSITORY: ctx.model.repository,
        MODEL_NAME: ctx.model.name,
        MODEL_VERSION: ctx.model.version,
      },
      batchesFrom: { tritonMetricsOrigin: triton.metricsOrigin },
      extraServers: [triton.proc],
      server: {
        process: "node gateway/src/main.ts + Triton",
        backend: "triton",
        batching: true,
        maxBatchSize: 16,
      },
    });
  } catch (err) {
    await triton.proc.stop();
    throw err;
  }
}
