/**
 * One local Triton, one setting, one closed-loop run, and what Triton itself counted: the instrument behind
 * the Triton-batching investigation in docs/benchmarks.md (issue 13). It answers "does this setting make
 * batches form, and what does an inference cost" with Triton's own counters (executions vs inferences) and the
 * server's CPU time, which contention on a shared machine stretches far less than wall-clock rates.
 *
 *   npx tsx bench/lib/triton-probe.ts [--model-repository DIR] [--precision fp32|int8] [--batching on|off]
 *       [--delay-us 2000] [--preferred 4,8,16] [--instances 1] [--threads N] [--buckets 16,32,...]
 *       [--shape L] [--request-batch B] [--concurrency 16] [--duration 5] [--warmup 2]
 *
 * `--shape L --request-batch B` sends only [B, L] requests of the workload's first sentences (same shape, so
 * Triton's batching cannot be defeated by shape mix): batch 1 against one request of 16 measures what one
 * execution costs beyond its arithmetic. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { MODEL_PRECISIONS, type ModelPrecision } from "../../gateway/src/deployment-contract";
import { parseBuckets } from "../../gateway/src/inference/buckets";
import { localTritonArgs, localTritonOrigin } from "../../gateway/src/inference/local-triton-command";
import { loadModelArtifacts } from "../../gateway/src/inference/model-repository";
import { MODEL_FILES } from "../../gateway/src/inference/repository-layout";
import { SequenceTokenizer } from "../../gateway/src/inference/tokenizer";
import { treeCpuTicks } from "./cpu";
import { runClosedLoop } from "./load/closed-loop";
import { clockTicksPerSecond } from "./machine";
import { MODEL_NAME } from "./model-setup";
import { tritonCounters } from "./servers/metrics";
import { baseProcessEnv, freePort, startServer } from "./servers/process";
import { DEFAULT_WORKLOAD, readWorkload, type TokenizedItem, tokenizeWorkload } from "./workload";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A [batch, L] KServe v2 JSON body of `items`, each padded (or cut) to L. */
function paddedBody(items: readonly TokenizedItem[], length: number, padId: number): string {
  const ids: number[] = [];
  const mask: number[] = [];
  for (const item of items) {
    const row = item.ids.slice(0, length);
    ids.push(...row, ...new Array<number>(length - row.length).fill(padId));
    mask.push(...row.map(() => 1), ...new Array<number>(length - row.length).fill(0));
  }
  const shape = [items.length, length];
  return JSON.stringify({
    inputs: [
      { name: "input_ids", shape, datatype: "INT64", data: ids },
      { name: "attention_mask", shape, datatype: "INT64", data: mask },
    ],
    outputs: [{ name: "logits" }],
  });
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be an integer >= 0, got ${value}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      "model-repository": { type: "string" },
      precision: { type: "string" },
      batching: { type: "string" },
      "delay-us": { type: "string" },
      preferred: { type: "string" },
      instances: { type: "string" },
      threads: { type: "string" },
      buckets: { type: "string" },
      shape: { type: "string" },
      "request-batch": { type: "string" },
      concurrency: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
    },
  });
  const precision = (v.precision ?? "fp32") as ModelPrecision;
  if (!MODEL_PRECISIONS.includes(precision)) throw new Error(`--precision must be fp32 or int8`);
  if (v.batching !== undefined && v.batching !== "on" && v.batching !== "off") {
    throw new Error("--batching must be on or off");
  }
  const batching = v.batching !== "off";
  const repository = path.resolve(v["model-repository"] ?? path.join(REPO_ROOT, ".local", "models", "base"));
  const artifacts = loadModelArtifacts(repository, MODEL_NAME, undefined, { requireModelFile: true });
  const buckets = parseBuckets(v.buckets ?? "16,32,64,128,256,512", artifacts.info.maxSequenceLength);
  const tokenizer = new SequenceTokenizer(artifacts.tokenizerJson, artifacts.tokenizerConfig, buckets);
  const workload = tokenizeWorkload(readWorkload(DEFAULT_WORKLOAD), { artifacts, tokenizer });
  const shape = v.shape === undefined ? undefined : positive("--shape", v.shape, 32);
  const requestBatch = positive("--request-batch", v["request-batch"], 1);
  const bodies =
    shape === undefined
      ? workload.items.map((item) => paddedBody([item], item.bucket, workload.padId))
      : [paddedBody(workload.items.slice(0, requestBatch), shape, workload.padId)];

  const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  const origin = localTritonOrigin(ports.http);
  const metricsOrigin = localTritonOrigin(ports.metrics);
  const logDir = mkdtempSync(path.join(os.tmpdir(), "triton-probe-"));
  const instances = positive("--instances", v.instances, 1);
  const proc = await startServer({
    name: "triton-probe",
    command: path.join(REPO_ROOT, ".venv", "bin", "python"),
    args: localTritonArgs({
      modelRepository: repository,
      modelVersion: artifacts.version,
      ports,
      batching,
      maxBatchSize: 16,
      maxQueueDelayUs: positive("--delay-us", v["delay-us"], 2000),
      preferredBatchSizes: v.preferred?.split(",").map(Number),
      intraOpThreads: positive("--threads", v.threads, Math.max(1, Math.floor(os.cpus().length / instances))),
      instances,
      modelFile: MODEL_FILES[precision],
    }),
    cwd: REPO_ROOT,
    env: { ...baseProcessEnv() },
    logFile: path.join(logDir, "triton.log"),
    readyUrl: `${origin}/v2/models/${MODEL_NAME}/ready`,
    readyTimeoutS: 240,
  });
  const model = { name: MODEL_NAME } as Parameters<typeof tritonCounters>[1];
  const target = { origin, path: `/v2/models/${MODEL_NAME}/infer`, headers: {}, bodies };
  const concurrency = positive("--concurrency", v.concurrency, 16);
  try {
    await runClosedLoop(target, { concurrency, durationS: positive("--warmup", v.warmup, 2) });
    const before = await tritonCounters(metricsOrigin, model);
    const ticksBefore = treeCpuTicks(proc.pid) ?? 0;
    const loadBefore = os.loadavg()[0] ?? 0;
    const run = await runClosedLoop(target, {
      concurrency,
      durationS: positive("--duration", v.duration, 5),
    });
    const ticks = (treeCpuTicks(proc.pid) ?? 0) - ticksBefore;
    const after = await tritonCounters(metricsOrigin, model);
    const executions = after.executions - before.executions;
    const inferences = after.items - before.items;
    const cpuMs = (ticks / clockTicksPerSecond()) * 1000;
    console.log(
      JSON.stringify({
        precision,
        batching,
        delayUs: v["delay-us"] ?? "2000",
        preferred: v.preferred ?? "4,8,16",
        instances,
        buckets: buckets.join(","),
        shape: shape ?? "workload",
        requestBatch,
        concurrency,
        seqPerS: Math.round(((run.throughput * inferences) / Math.max(1, run.ok)) * 10) / 10,
        requestsPerS: Math.round(run.throughput * 10) / 10,
        errors: run.errors,
        executions,
        inferences,
        meanBatch: executions > 0 ? Math.round((inferences / executions) * 100) / 100 : null,
        cpuMsPerInference: inferences > 0 ? Math.round((cpuMs / inferences) * 10) / 10 : null,
        cpuMsPerExecution: executions > 0 ? Math.round((cpuMs / executions) * 10) / 10 : null,
        cores: Math.round((cpuMs / 1000 / run.elapsedS) * 100) / 100,
        loadAverage: [loadBefore, os.loadavg()[0]].map((l) => Math.round((l ?? 0) * 100) / 100),
      }),
    );
  } finally {
    await proc.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`triton-probe: ${(err as Error).message}`);
  process.exit(1);
});
