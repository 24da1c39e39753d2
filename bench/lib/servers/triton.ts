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
import { capacityBudgetEnv, GATEWAY_BATCHING, gatewaySubject } from "./gateway";
import { tritonCounters, tritonPending } from "./metrics";
import { baseProcessEnv, freePort, type ServerProcess, startServer } from "./process";

/**
 * How the local Triton serves in every scenario, batched or not (docs/benchmarks.md, issue 13, measured with
 * bench/lib/triton-probe.ts): one instance per core with one ONNX Runtime thread each, since one instance with a
 * thread per core burnt ~1.7x the CPU per unbatched inference; no queue delay, since with 5 ms the server sat
 * idle a third of the time (1.04 of 2 cores against 1.59 without) while its batches grew no larger (1.9).
 */
export const LOCAL_TRITON_SERVING = {
  instances: os.cpus().length,
  intraOpThreads: 1,
  maxBatchSize: 16,
  maxQueueDelayUs: 0,
} as const;
const MAX_BATCH_SIZE = LOCAL_TRITON_SERVING.maxBatchSize;

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
  // pytriton gives each instance's stub 1 s to fetch its config from the launcher; on a crowded machine two
  // instances starting at once can miss it and Triton exits (seen at load 2 too). Up to three starts: cheap
  // against a lost scenario.
  for (let attempt = 1; ; attempt++) {
    const { ports, origin, metricsOrigin } = await localTritonPorts();
    ctx.progress.status(`${id}: starting Triton (dynamic batching ${batching ? "on" : "off"})`);
    const log = path.join(ctx.runDir, `${id}-triton${attempt > 1 ? `-${attempt}` : ""}.log`);
    try {
      const proc = await startTritonProcess(
        ctx,
        { name: `${id} triton`, logFile: log, readyTimeoutS: 240 },
        {
          ports,
          batching,
          maxBatchSize: MAX_BATCH_SIZE,
          maxQueueDelayUs: LOCAL_TRITON_SERVING.maxQueueDelayUs,
          intraOpThreads: LOCAL_TRITON_SERVING.intraOpThreads,
          instances: LOCAL_TRITON_SERVING.instances,
          modelFile: MODEL_FILES[precision],
        },
      );
      return { proc, origin, metricsOrigin };
    } catch (err) {
      if (attempt >= 3) throw err;
      ctx.progress.info(
        `${id}: Triton did not start (${(err as Error).message.split("\n")[0]}); starting it again`,
      );
    }
  }
}

export async function tritonDirectSubject(
  ctx: LocalContext,
  batching: boolean,
  precision: ModelPrecision,
): Promise<Subject> {
  const id = `${batching ? "triton-batched" : "triton-unbatched"}${precision === "int8" ? "-int8" : ""}`;
  const { proc, origin, metricsOrigin } = await startLocalTriton(ctx, id, batching, precision);
  // Padded to the gateway's buckets, batched or not: padding the shortest bucket into the next raised Triton's
  // mean batch (2.4-3.8 against 1.6) but not its CPU per inference (docs/benchmarks.md, issue 13).
  const buckets = ctx.model.buckets;
  const paddedLengths = ctx.workload.items.map((i) => i.bucket);
  return {
    id,
    scenario: id,
    label: `${batching ? "Triton, dynamic batching (max 16)" : "Triton, no dynamic batching"}, ${precision}`,
    description: `A real local Triton Inference Server on CPU (pytriton, ${LOCAL_TRITON_SERVING.instances} instances), sent pre-tokenized KServe v2 JSON requests padded to ${buckets.join("/")} directly, as the paper's Triton client did; dynamic batching ${batching ? `on (max batch 16, ${LOCAL_TRITON_SERVING.maxQueueDelayUs} µs delay)` : "off"}.`,
    instrument: null,
    server: {
      process: `python ${LOCAL_TRITON_LAUNCHER}`,
      batching,
      precision,
      maxBatchSize: MAX_BATCH_SIZE,
      maxQueueDelayUs: batching ? LOCAL_TRITON_SERVING.maxQueueDelayUs : 0,
      instances: LOCAL_TRITON_SERVING.instances,
      intraOpThreads: LOCAL_TRITON_SERVING.intraOpThreads,
    },
    target: {
      origin,
      path: `/v2/models/${ctx.model.name}/infer`,
      headers: {},
      bodies: kservePaddedBodies(ctx.workload.items, ctx.workload.padId, paddedLengths),
    },
    pids: [proc.pid],
    paddedLengths,
    batchCounters: () => tritonCounters(metricsOrigin, ctx.model),
    inFlight: () => tritonPending(metricsOrigin, ctx.model),
    stop: () => proc.stop(),
  };
}

/**
 * The product path on one machine: the gateway batches per bucket (BATCHING on, as deployed) and sends one
 * [batch, bucket] request per batch to Triton, whose own batcher may merge them further.
 */
export async function hybridSubject(ctx: LocalContext, precision: ModelPrecision): Promise<Subject> {
  const id = `hybrid${precision === "int8" ? "-int8" : ""}`;
  const triton = await startLocalTriton(ctx, id, true, precision);
  try {
    return await gatewaySubject(ctx, {
      id,
      scenario: id,
      label: `gateway (JWT + de-id + tokenization, per-bucket batches) → Triton with dynamic batching, ${precision}`,
      description: `The product path: the gateway authenticates, de-identifies, tokenizes, pads to buckets and batches per bucket (max 16, ${GATEWAY_BATCHING.maxQueueDelayMs} ms), then sends each batch to a real local Triton (dynamic batching, ${LOCAL_TRITON_SERVING.instances} instances, ${precision}) over KServe v2.`,
      backendEnv: {
        ...localTritonBackendEnv(ctx, triton.origin),
        ...capacityBudgetEnv(),
        BATCHING: "on",
        BATCH_MAX_SIZE: String(GATEWAY_BATCHING.maxBatchSize),
        BATCH_MAX_QUEUE_DELAY_MS: String(GATEWAY_BATCHING.maxQueueDelayMs),
      },
      batchesFrom: { tritonMetricsOrigin: triton.metricsOrigin },
      extraServers: [triton.proc],
      server: {
        process: "node gateway/src/main.ts + Triton",
        backend: "triton",
        precision,
        batching: true,
        maxBatchSize: MAX_BATCH_SIZE,
        gatewayMaxQueueDelayMs: GATEWAY_BATCHING.maxQueueDelayMs,
        instances: LOCAL_TRITON_SERVING.instances,
      },
    });
  } catch (err) {
    await triton.proc.stop();
    throw err;
  }
}
