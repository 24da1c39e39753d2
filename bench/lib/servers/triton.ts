/**
 * A real local Triton (triton-models/local/serve_triton.py, CPU) as a subject: sent pre-tokenized KServe v2
 * requests directly, or behind the gateway (the hybrid product path).
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ModelPrecision } from "../../../gateway/src/deployment-contract";
import {
  LOCAL_TRITON_LAUNCHER,
  LOCAL_TRITON_LAUNCHER_PATH,
  type LocalTritonCommand,
  type LocalTritonPorts,
  localTritonArgs,
  localTritonOrigin,
} from "../../../gateway/src/inference/local-triton-command";
import { MODEL_FILES } from "../../../gateway/src/inference/repository-layout";
import type { Subject } from "../subject";
import { kservePaddedBodies } from "../workload";
import type { LocalContext } from "./context";
import { gatewaySubject } from "./gateway";
import { tritonCounters, tritonPending } from "./metrics";
import { baseProcessEnv, freePort, type ServerProcess, startServer } from "./process";

// The launcher defaults to one ONNX Runtime thread; the embedded backend and the FastAPI peer use
// onnxruntime's default (one per core), so Triton gets the same.
const TRITON_INTRA_OP_THREADS = os.cpus().length;
const MAX_BATCH_SIZE = 16;

/** Ports and origins for a local Triton, once the launcher is known to be in this checkout. */
export async function localTritonPorts(): Promise<{
  ports: LocalTritonPorts;
  origin: string;
  metricsOrigin: string;
}> {
  if (!existsSync(LOCAL_TRITON_LAUNCHER_PATH)) {
    throw new Error(`the local Triton launcher ${LOCAL_TRITON_LAUNCHER} is not in this checkout`);
  }
  const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  return { ports, origin: localTritonOrigin(ports.http), metricsOrigin: localTritonOrigin(ports.metrics) };
}

/** Starts the launcher with the context's model on `command.ports`; resolves when the model answers ready. */
export function startTritonProcess(
  ctx: LocalContext,
  run: { name: string; logFile: string; readyTimeoutS: number },
  command: Omit<LocalTritonCommand, "modelRepository" | "modelVersion">,
): Promise<ServerProcess> {
  return startServer({
    name: run.name,
    command: ctx.python,
    args: localTritonArgs({
      modelRepository: ctx.model.repository,
      modelVersion: ctx.model.version,
      ...command,
    }),
    cwd: ctx.repoRoot,
    env: { ...baseProcessEnv() },
    logFile: run.logFile,
    readyUrl: `${localTritonOrigin(command.ports.http)}/v2/models/${ctx.model.name}/ready`,
    readyTimeoutS: run.readyTimeoutS,
  });
}

/**
 * The gateway's backend settings in front of a local Triton. The deployed timeout (2 s) is a latency budget for
 * a GPU; on a 2-core CPU a queue of batches can take longer, so the benchmarks leave the bound to the request
 * budget and measure throughput and latency, not the timeout policy.
 */
export function localTritonBackendEnv(ctx: LocalContext, tritonOrigin: string): Record<string, string> {
  return {
    BACKEND: "triton",
    TRITON_URL: tritonOrigin,
    TRITON_TIMEOUT_MS: "30000",
    MODEL_REPOSITORY: ctx.model.repository,
    MODEL_NAME: ctx.model.name,
    MODEL_VERSION: ctx.model.version,
  };
}

export async function startLocalTriton(
  ctx: LocalContext,
  id: string,
  batching: boolean,
  precision: ModelPrecision = "fp32",
): Promise<{ proc: ServerProcess; origin: string; metricsOrigin: string }> {
  const { ports, origin, metricsOrigin } = await localTritonPorts();
  ctx.progress.status(`${id}: starting Triton (dynamic batching ${batching ? "on" : "off"})`);
  const proc = await startTritonProcess(
    ctx,
    { name: `${id} triton`, logFile: path.join(ctx.runDir, `${id}-triton.log`), readyTimeoutS: 240 },
    {
      ports,
      batching,
      maxBatchSize: MAX_BATCH_SIZE,
      intraOpThreads: TRITON_INTRA_OP_THREADS,
      modelFile: MODEL_FILES[precision],
    },
  );
  return { proc, origin, metricsOrigin };
}

export async function tritonDirectSubject(
  ctx: LocalContext,
  batching: boolean,
  precision: ModelPrecision,
): Promise<Subject> {
  const id = `${batching ? "triton-batched" : "triton-unbatched"}${precision === "int8" ? "-int8" : ""}`;
  const { proc, origin, metricsOrigin } = await startLocalTriton(ctx, id, batching, precision);
  return {
    id,
    scenario: id,
    label: `${batching ? "Triton, dynamic batching (max 16)" : "Triton, no dynamic batching"}, ${precision}`,
    description: `A real local Triton Inference Server on CPU (pytriton), sent pre-tokenized, bucket-padded KServe v2 JSON requests directly, as the paper's Triton client did; dynamic batching ${batching ? "on (max batch 16)" : "off"}.`,
    instrument: null,
    server: {
      process: `python ${LOCAL_TRITON_LAUNCHER}`,
      batching,
      precision,
      maxBatchSize: MAX_BATCH_SIZE,
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
      backendEnv: localTritonBackendEnv(ctx, triton.origin),
      batchesFrom: { tritonMetricsOrigin: triton.metricsOrigin },
      extraServers: [triton.proc],
      server: {
        process: "node gateway/src/main.ts + Triton",
        backend: "triton",
        precision: "fp32",
        batching: true,
        maxBatchSize: MAX_BATCH_SIZE,
      },
    });
  } catch (err) {
    await triton.proc.stop();
    throw err;
  }
}
