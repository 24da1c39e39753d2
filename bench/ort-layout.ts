/**
 * How the embedded backend should spread ONNX Runtime over the cores: one session with an intra-op thread per
 * core, or one session per core with one thread each (ORT_SESSIONS). Runs the model alone, one worker thread
 * per session as the gateway does, at one shape, alternating the two layouts, optionally with a competing
 * process that takes CPU in short slices the way shedding and HTTP traffic do under overload.
 *
 *   npx tsx bench/ort-layout.ts [--precision int8|fp32] [--batch 16] [--bucket 64] [--seconds 8] [--rounds 2]
 *                               [--busy-ms 0.6 --every-ms 2]
 *
 * Prints sequences/s per layout and round. Synthetic weights (the setup's full-size model): the timing is the
 * architecture's, not a fine-tuned model's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { MODEL_PRECISIONS, type ModelPrecision } from "../gateway/src/deployment-contract";
import { MODEL_FILES } from "../gateway/src/inference/repository-layout";
import { DEFAULT_MODEL_REPOSITORY } from "./lib/bench";
import { MODEL_NAME } from "./lib/model-setup";

// Plain JavaScript so the worker needs no loader; the same session options as the gateway's worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require("onnxruntime-node");
(async () => {
  const { modelPath, threads, batch, bucket } = workerData;
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  });
  const size = batch * bucket;
  const feeds = {
    input_ids: new ort.Tensor("int64", new BigInt64Array(size).fill(1000n), [batch, bucket]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(size).fill(1n), [batch, bucket]),
  };
  await session.run(feeds);
  parentPort.postMessage("ready");
  parentPort.once("message", async (ms) => {
    let sequences = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) { await session.run(feeds); sequences += batch; }
    parentPort.postMessage(sequences);
  });
})().catch((err) => { throw err; });`;

interface Layout {
  sessions: number;
  threadsPerSession: number;
}

async function sequencesPerSecond(
  layout: Layout,
  shape: { modelPath: string; batch: number; bucket: number },
  seconds: number,
): Promise<number> {
  const workers = Array.from(
    { length: layout.sessions },
    () =>
      new Worker(WORKER_SOURCE, { eval: true, workerData: { ...shape, threads: layout.threadsPerSession } }),
  );
  try {
    await Promise.all(
      workers.map((w) => new Promise((resolve, reject) => w.once("message", resolve).once("error", reject))),
    );
    const counts = await Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.once("message", resolve).once("error", reject);
            w.postMessage(seconds * 1000);
          }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0) / seconds;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!(Number.isFinite(value) && value > 0))
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      precision: { type: "string", default: "int8" },
      batch: { type: "string" },
      bucket: { type: "string" },
      seconds: { type: "string" },
      rounds: { type: "string" },
      "busy-ms": { type: "string" },
      "every-ms": { type: "string" },
    },
    strict: true,
  });
  const precision = values.precision as ModelPrecision;
  if (!MODEL_PRECISIONS.includes(precision)) {
    throw new Error(`--precision must be one of ${MODEL_PRECISIONS.join(", ")}, got "${values.precision}"`);
  }
  const modelPath = path.join(DEFAULT_MODEL_REPOSITORY, MODEL_NAME, "1", MODEL_FILES[precision]);
  if (!existsSync(modelPath)) {
    throw new Error(
      `${modelPath} is missing: run \`npx tsx bench/overload.ts --cases embedded\` once (it writes it)`,
    );
  }
  const shape = {
    modelPath,
    batch: positive("--batch", values.batch, 16),
    bucket: positive("--bucket", values.bucket, 64),
  };
  const seconds = positive("--seconds", values.seconds, 8);
  const rounds = positive("--rounds", values.rounds, 2);
  const busyMs = values["busy-ms"] === undefined ? 0 : positive("--busy-ms", values["busy-ms"], 0);
  const everyMs = positive("--every-ms", values["every-ms"], 2);
  const cores = os.availableParallelism();
  const layouts: Layout[] = [
    { sessions: 1, threadsPerSession: cores },
    { sessions: cores, threadsPerSession: 1 },
  ];
  let competitor: ChildProcess | undefined;
  if (busyMs > 0) {
    const burn = `setInterval(() => { const t = performance.now(); while (performance.now() - t < ${busyMs}) {} }, ${everyMs});`;
    competitor = spawn(process.execPath, ["-e", burn], { stdio: "ignore" });
  }
  try {
    const load =
      busyMs > 0 ? `a process busy ${busyMs} ms every ${everyMs} ms beside it` : "nothing beside it";
    process.stdout.write(`${precision} [${shape.batch}, ${shape.bucket}] on ${cores} cores, ${load}\n`);
    for (let round = 1; round <= rounds; round++) {
      for (const layout of layouts) {
        const rate = await sequencesPerSecond(layout, shape, seconds);
        process.stdout.write(
          `round ${round}: ${layout.sessions} session(s) × ${layout.threadsPerSession} thread(s): ${rate.toFixed(1)} sequences/s\n`,
        );
      }
    }
  } finally {
    competitor?.kill();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/ort-layout: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
