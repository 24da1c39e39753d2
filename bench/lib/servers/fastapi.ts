/** The paper's baseline as a subject: bench/fastapi_peer (FastAPI + uvicorn + onnxruntime), one worker. */
import { existsSync } from "node:fs";
import path from "node:path";
import type { ModelPrecision } from "../../../gateway/src/deployment-contract";
import { MODEL_FILES } from "../../../gateway/src/inference/repository-layout";
import type { Subject } from "../subject";
import { textBodies } from "../workload";
import type { LocalContext } from "./context";
import { getJson } from "./metrics";
import { baseProcessEnv, freePort, startServer } from "./process";

/** The peer as its users write it (fp32), or serving the same int8 file as the gateway: serving vs arithmetic. */
export async function fastapiSubject(ctx: LocalContext, precision: ModelPrecision): Promise<Subject> {
  const id = precision === "int8" ? "fastapi-peer-int8" : "fastapi-peer";
  const appDir = path.join(ctx.repoRoot, "bench", "fastapi_peer");
  if (!existsSync(ctx.python)) {
    throw new Error(`the Python environment ${ctx.python} is missing; run \`npm run setup\` first`);
  }
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  ctx.progress.status(`${id}: starting uvicorn`);
  const proc = await startServer({
    name: id,
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
      MODEL_FILE: MODEL_FILES[precision],
      SEQUENCE_BUCKETS: ctx.model.buckets.join(","),
    },
    logFile: path.join(ctx.runDir, `${id}.log`),
    readyUrl: `${origin}/healthz`,
    readyTimeoutS: 120,
  });
  return {
    id,
    scenario: id,
    label: `FastAPI + uvicorn + onnxruntime (Python peer), ${precision}`,
    description:
      "The paper's baseline as its users write it: FastAPI sync endpoint, Python tokenizers, onnxruntime, one forward pass per request, one uvicorn worker; no auth, no de-identification.",
    instrument: null,
    server: { process: "uvicorn app:app --workers 1", framework: "FastAPI", batching: false, precision },
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
