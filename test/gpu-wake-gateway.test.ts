/**
 * The gateway's side of waking a Triton at zero, with the real gateway (src/main.ts as a process) whose
 * Triton is a closed loopback port, as a dev gateway sees it while KEDA has Triton at zero replicas:
 * it stays live but not ready (so the stack keeps it in rotation on /healthz, else the ALB would refuse the
 * request before the gateway could count it), answers a model request with a 503 and Retry-After, and counts
 * it under labels the wake-up query (components/autoscaling.ts) selects, while a request without a token is
 * counted under labels it leaves out.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { MODEL_ROUTES, UNAUTHENTICATED_STATUSES } from "../components/autoscaling";
import { GATEWAY_REQUESTS_METRIC } from "../components/prometheus";

const GATEWAY_DIR = path.resolve(__dirname, "..", "gateway");
/** A first start on a loaded 2-core machine (tsx compiles the gateway); the wait ends at "gateway listening". */
const START_TIMEOUT_MS = 120_000;

let child: ChildProcess;
let work: string;
let base: string;
let metricsUrl: string;
let token: string;

/** Prometheus label matchers are anchored at both ends. */
const matches = (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`).test(value);

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-wake-"));
  child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: GATEWAY_DIR,
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      METRICS_PORT: "0",
      BACKEND: "triton",
      MODEL_VERSION: "1",
      // Nothing listens on port 9 (discard): connections are refused, as to a Service with no endpoints.
      TRITON_URL: "http://127.0.0.1:9",
      LOCAL_DEV_DIR: path.join(work, "dev-keys"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const listening = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const record = JSON.parse(line);
      if (record.msg === "gateway listening") resolve(record);
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
  base = `http://127.0.0.1:${listening.port}`;
  metricsUrl = `http://127.0.0.1:${listening.metricsPort}/metrics`;
  // The local-dev banner (stderr) carries a token; it is printed right after the listening line.
  while (!/TOKEN=(\S+)/.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 20));
  token = /TOKEN=(\S+)/.exec(stderr)?.[1] as string;
}, START_TIMEOUT_MS);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const sentiment = (headers: Record<string, string>) =>
  fetch(`${base}/v1/sentiment`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ text: "Felt much better after the visit." }),
  });

test("while Triton is away the gateway is live but not ready", async () => {
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
});

test("a model request while Triton is away is answered 503 with Retry-After, not left waiting", async () => {
  const res = await sentiment({ Authorization: `Bearer ${token}` });
  expect(res.status).toBe(503);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
});

/** The gateway's request counter series, with the part of them the wake-up query's matchers select. */
async function requestSeries() {
  const text = await (await fetch(metricsUrl)).text();
  const pattern = new RegExp(`^${GATEWAY_REQUESTS_METRIC}\\{([^}]*)\\} (\\S+)$`, "gm");
  const series = [...text.matchAll(pattern)].map(([, labels, value]) => ({
    labels: Object.fromEntries(
      [...(labels as string).matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k as string, v as string]),
    ),
    value: Number(value),
  }));
  const model = series.filter((s) => matches(MODEL_ROUTES, s.labels.route ?? ""));
  const selected = model.filter((s) => !matches(UNAUTHENTICATED_STATUSES, s.labels.status ?? ""));
  return { selected, leftOut: model.filter((s) => !selected.includes(s)) };
}
const total = (series: { value: number }[]) => series.reduce((n, s) => n + s.value, 0);

test("the wake-up query counts a model request while Triton is away, and not one without a token", async () => {
  const before = await requestSeries();
  expect((await sentiment({})).status).toBe(401);
  expect((await sentiment({ Authorization: `Bearer ${token}` })).status).toBe(503);
  const after = await requestSeries();
  expect(total(after.selected) - total(before.selected)).toBe(1);
  expect(after.selected.map((s) => s.labels)).toContainEqual({
    route: "/v1/sentiment",
    method: "POST",
    status: "503",
  });
  expect(after.leftOut.map((s) => s.labels.status)).toEqual(["401"]);
});
