/**
 * The servers the overload cases load: the real gateway process with the product's admission defaults
 * (MAX_INFLIGHT 64, MAX_PENDING 256, REQUEST_DEADLINE_MS default), embedded or in front of a local Triton that
 * carries the rendered config's queue policy. Triton listens on ports chosen here, so a killed Triton can be
 * restarted where the gateway still points.
 */

import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type ModelPrecision, REQUEST_DEADLINE } from "../../../gateway/src/deployment-contract";
import { loadModelArtifacts } from "../../../gateway/src/inference/model-repository";
import { SequenceTokenizer } from "../../../gateway/src/inference/tokenizer";
import { generateModel } from "../../../triton-models/tools/generate-model";
import { DEFAULT_MAX_QUEUE_SIZE, DEFAULT_QUEUE_TIMEOUT_US } from "../../../triton-models/tools/render-config";
import { DEFAULT_BUCKETS, DEFAULT_MODEL_REPOSITORY, REPO_ROOT } from "../bench";
import { ensureInt8 } from "../ceiling-run";
import { MODEL_NAME } from "../model-setup";
import type { Progress } from "../progress";
import { createLocalContext, type LocalContext } from "../servers/context";
import { gatewaySubject } from "../servers/gateway";
import type { ServerProcess } from "../servers/process";
import { localTritonBackendEnv, localTritonPorts, startTritonProcess } from "../servers/triton";
import type { Subject } from "../subject";
import { DEFAULT_WORKLOAD, readWorkload, tokenizeWorkload } from "../workload";

/**
 * The product's own slot limits, not the throughput benchmark's raised ones: admission is what is measured.
 * The gateway's budget is the longest allowed, so the closed-loop saturation run measures capacity rather
 * than shedding; the fault runs ask for the default budget per request with the Request-Timeout header.
 */
const PRODUCT_LIMITS = {
  MAX_INFLIGHT: "64",
  MAX_PENDING: "256",
  REQUEST_DEADLINE_MS: String(REQUEST_DEADLINE.maxMs),
};

export async function overloadContext(
  secretsDir: string,
  runDir: string,
  progress: Progress,
): Promise<LocalContext> {
  const repository = DEFAULT_MODEL_REPOSITORY;
  const versionDir = path.join(repository, MODEL_NAME, "1");
  if (!existsSync(path.join(versionDir, "model.onnx"))) {
    progress.status("generating the synthetic full-size model");
    generateModel({ size: "base", outDir: versionDir });
  }
  // The embedded case serves int8 by default, like the product: a fresh machine has only the fp32 file yet.
  ensureInt8(REPO_ROOT, versionDir, progress);
  const artifacts = loadModelArtifacts(repository, MODEL_NAME, undefined, { requireModelFile: true });
  const buckets = DEFAULT_BUCKETS.filter((b) => b <= artifacts.info.maxSequenceLength);
  const tokenizer = new SequenceTokenizer(artifacts.tokenizerJson, artifacts.tokenizerConfig, buckets);
  mkdirSync(runDir, { recursive: true });
  return createLocalContext({
    repoRoot: REPO_ROOT,
    runDir,
    repository,
    modelName: MODEL_NAME,
    artifacts,
    tokenizer,
    workload: tokenizeWorkload(readWorkload(DEFAULT_WORKLOAD), { artifacts, tokenizer }),
    secretsDir,
    maxConcurrency: 64,
    progress,
  });
}

/** `extraEnv`: settings a diagnostic compares (e.g. ORT_SESSIONS); the overload cases pass none. */
export function embeddedBatched(
  ctx: LocalContext,
  precision: ModelPrecision,
  extraEnv: Record<string, string> = {},
): Promise<Subject> {
  return gatewaySubject(ctx, {
    id: "embedded-batched",
    scenario: "embedded-batched",
    label: "gateway, embedded ONNX Runtime, dynamic batching",
    description: `The gateway with in-process ONNX Runtime (${precision}) and its batcher (max 16, 4 ms).`,
    backendEnv: {
      ...PRODUCT_LIMITS,
      BACKEND: "embedded",
      MODEL_REPOSITORY: ctx.model.repository,
      MODEL_NAME: ctx.model.name,
      MODEL_VERSION: ctx.model.version,
      MODEL_PRECISION: precision,
      BATCHING: "on",
      BATCH_MAX_SIZE: "16",
      BATCH_MAX_QUEUE_DELAY_MS: "4",
      ...extraEnv,
    },
    batchesFrom: "gateway",
    server: { process: "node gateway/src/main.ts", backend: "embedded", precision },
  });
}

export interface RestartableTriton {
  origin: string;
  metricsOrigin: string;
  current: ServerProcess;
  /** SIGKILL to the process group we started: tritonserver and its Python stubs die at once. */
  kill(): void;
  /** Starts a new Triton on the same ports; resolves when its model answers ready. */
  restart(): Promise<void>;
}

export async function restartableTriton(ctx: LocalContext): Promise<RestartableTriton> {
  const { ports, origin, metricsOrigin } = await localTritonPorts();
  let starts = 0;
  const start = () =>
    startTritonProcess(
      ctx,
      {
        name: "overload triton",
        logFile: path.join(ctx.runDir, `triton-${++starts}.log`),
        readyTimeoutS: 300,
      },
      {
        ports,
        batching: true,
        maxBatchSize: 16,
        queuePolicy: { timeoutUs: DEFAULT_QUEUE_TIMEOUT_US, maxQueueSize: DEFAULT_MAX_QUEUE_SIZE },
      },
    );
  const triton: RestartableTriton = {
    origin,
    metricsOrigin,
    current: await start(),
    kill: () => {
      try {
        process.kill(-triton.current.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
    restart: async () => {
      triton.current = await start();
    },
  };
  return triton;
}

export async function hybrid(ctx: LocalContext, triton: RestartableTriton): Promise<Subject> {
  return gatewaySubject(ctx, {
    id: "hybrid",
    scenario: "hybrid",
    label: "gateway → Triton with dynamic batching and its queue policy",
    description:
      "The product path: gateway, then a real local Triton (max batch 16, queue policy as rendered).",
    backendEnv: { ...PRODUCT_LIMITS, ...localTritonBackendEnv(ctx, triton.origin) },
    batchesFrom: { tritonMetricsOrigin: triton.metricsOrigin },
    server: { process: "node gateway/src/main.ts + Triton", backend: "triton" },
  });
}
