/**
 * A dev stack may deploy before a real model exists. The real tritonserver (nvidia-pytriton's bundle, CPU),
 * started with the Deployment's own arguments (`tritonArgs`) on a repository whose version directory has no
 * model.onnx, must stay up with the model unavailable (live, not ready: the pod is not restarted and gets
 * no traffic) instead of exiting, which under Kubernetes is a crash loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../bench/lib/servers/process";
import { tritonArgs } from "../components/triton";
import { bundledTriton } from "./support/triton-binary";

const STANDIN_BACKEND = path.join(__dirname, "support", "triton-onnxruntime-standin", "model.py");
const MODEL = "distilbert_sst2";
/** The repository's model, on CPU: the load fails for the missing file, not for the missing GPU. */
const CONFIG = `name: "${MODEL}"
platform: "onnxruntime_onnx"
max_batch_size: 16
input [{ name: "input_ids", data_type: TYPE_INT64, dims: [-1] }]
output [{ name: "logits", data_type: TYPE_FP32, dims: [2] }]
instance_group [{ kind: KIND_CPU, count: 1 }]
`;
/** A first start on a loaded 2-core machine; the wait ends as soon as Triton answers or exits. */
const START_TIMEOUT_MS = 180_000;

let work: string;
let child: ChildProcess;
let url: string;
let output = "";
let exitCode: number | null | undefined;

async function statusOf(target: string): Promise<number> {
  try {
    return (await fetch(target, { signal: AbortSignal.timeout(10_000) })).status;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "triton-no-model-"));
  const repository = path.join(work, "repository");
  fs.mkdirSync(path.join(repository, MODEL, "1"), { recursive: true });
  fs.writeFileSync(path.join(repository, MODEL, "config.pbtxt"), CONFIG);
  const triton = bundledTriton();
  const backends = triton.assembleBackends(work, { onnxruntime: STANDIN_BACKEND });
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const args = tritonArgs(repository, MODEL).map((arg) =>
    arg
      .replace(/^--http-port=\d+$/, `--http-port=${http}`)
      .replace(/^--grpc-port=\d+$/, `--grpc-port=${grpc}`)
      .replace(/^--metrics-port=\d+$/, `--metrics-port=${metrics}`)
      .replace(/^--allow-gpu-metrics=true$/, "--allow-gpu-metrics=false"),
  );
  child = spawn(
    triton.binary,
    [...args, `--backend-directory=${backends}`, "--http-address=127.0.0.1", "--grpc-address=127.0.0.1"],
    { env: triton.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-16 * 1024);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.once("exit", (code) => {
    exitCode = code;
  });
  url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  // Ends on Triton's own answer (live) or its exit; the deadline only bounds a hang.
  while (exitCode === undefined && (await statusOf(`${url}/v2/health/live`)) !== 200) {
    if (Date.now() > deadline) throw new Error(`tritonserver did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  fs.rmSync(work, { recursive: true, force: true });
});

test("Triton keeps running when the configured model cannot load", () => {
  expect([exitCode, output.includes("failed to load")]).toEqual([undefined, true]);
});

test("Triton reports itself live, so the liveness probe does not restart it", async () => {
  expect(await statusOf(`${url}/v2/health/live`)).toBe(200);
});

test("Triton reports itself not ready, so the pod receives no traffic", async () => {
  expect(await statusOf(`${url}/v2/health/ready`)).not.toBe(200);
  expect(await statusOf(`${url}/v2/models/${MODEL}/ready`)).not.toBe(200);
});
