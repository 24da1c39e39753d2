/**
 * The Triton Deployment's command line, run for real: the Triton server binary bundled with nvidia-pytriton
 * (CPU) gets exactly `tritonArgs(...)` (repository and ports rewritten for a local run) and a stand-in model
 * that takes a moment to load.
 */
import { TRITON_EXIT_TIMEOUT_S, tritonArgs } from "../components/triton";
import { type RunningTriton, startTriton, statusOf } from "./support/workloads-triton-server";

const MODEL = "distilbert_sst2";
let triton: RunningTriton;
/** [live, ready] status pairs observed while waiting for the server. */
const observed: Array<[number, number]> = [];

beforeAll(async () => {
  triton = await startTriton((repo) => tritonArgs(repo, MODEL), MODEL);
  for (let i = 0; i < 240; i++) {
    const live = await statusOf(`${triton.httpUrl}/v2/health/live`);
    const ready = await statusOf(`${triton.httpUrl}/v2/health/ready`);
    observed.push([live, ready]);
    if (ready === 200 || triton.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 90_000);

afterAll(() => triton?.cleanup());

test("Triton accepts every argument the Deployment passes and becomes ready with the model loaded", async () => {
  expect([triton.child.exitCode, observed.at(-1)]).toEqual([null, [200, 200]]);
  expect(await statusOf(`${triton.httpUrl}/v2/models/${MODEL}/ready`)).toBe(200);
});

test("nothing answers while the model loads, so only the startup probe may cover model load time", () => {
  // Liveness never succeeded before readiness did: a liveness probe shorter than the load would kill the pod.
  expect(observed.some(([live, ready]) => live === 200 && ready !== 200)).toBe(false);
  expect(observed[0]).toEqual([0, 0]);
});

test("the metrics the dashboard reads are exported per model", async () => {
  const response = await fetch(`${triton.httpUrl}/v2/models/${MODEL}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      inputs: [{ name: "input_ids", datatype: "INT64", shape: [1, 4], data: [1, 2, 3, 4] }],
    }),
  });
  expect(response.status).toBe(200);
  const metrics = await (await fetch(triton.metricsUrl)).text();
  for (const name of [
    "nv_inference_request_success",
    "nv_inference_request_failure",
    "nv_inference_exec_count",
    "nv_inference_queue_duration_us",
    "nv_inference_compute_infer_duration_us",
  ]) {
    expect(metrics).toMatch(new RegExp(`^${name}\\{[^}]*model="${MODEL}"`, "m"));
  }
});

test("on SIGTERM Triton drains with the configured exit timeout and exits cleanly", async () => {
  const code = await triton.terminate();
  expect(triton.logs()).toContain(`Timeout ${TRITON_EXIT_TIMEOUT_S}:`);
  expect(code).toBe(0);
}, 60_000);
