/**
 * The benchmark harness itself (bench/). Nothing here asserts how fast anything is: these tests check that a
 * short real run produces well-formed results, that the open-loop driver does not hide queueing, and that the
 * arithmetic behind the reported GFLOPs and goals is the documented one.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { flopsPerSequence } from "../bench/lib/flops";
import { evaluateGoals } from "../bench/lib/goals";
import { runOpenLoop } from "../bench/lib/load/open-loop";
import { histogramTotals } from "../bench/lib/prometheus";
import type { BenchResults, LoadPoint, SubjectResult } from "../bench/lib/results";
import { freePort } from "../bench/lib/servers/process";
import { spread } from "../bench/lib/stats";
import { flopsPerToken, MODEL_SIZES } from "../triton-models/tools/model/sizes";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const tsx = (script: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: "true", ...env },
    maxBuffer: 16 * 1024 * 1024,
  });

async function waitForReady(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

describe("benchmark harness: a short real run", () => {
  let dir: string;
  let results: BenchResults;
  let out: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "bench-harness-"));
    const repository = path.join(dir, "models");
    await tsx("triton-models/tools/generate-model.ts", [
      "--size",
      "tiny",
      "--out",
      path.join(repository, "distilbert_sst2", "1"),
    ]);
    out = path.join(dir, "out");
    await tsx("bench/cli.ts", [
      "--scenarios",
      "gateway-overhead",
      "--warmup",
      "0.5",
      "--duration",
      "1",
      "--repetitions",
      "1",
      "--concurrency",
      "1,2",
      "--model-repository",
      repository,
      "--out",
      out,
    ]);
    results = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as BenchResults;
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the gateway-overhead scenario measures the gateway and the bare Express echo, one after the other", () => {
    expect(results.subjects.map((s) => s.id)).toEqual([
      "gateway-overhead/gateway",
      "gateway-overhead/express-echo",
    ]);
    for (const s of results.subjects) expect(s.failure).toBeNull();
  });

  test("every closed-loop and open-loop point has successful requests, finite latencies and a throughput", () => {
    for (const s of results.subjects) {
      expect(s.closedLoop.map((p) => p.concurrency)).toEqual([1, 2]);
      expect(s.openLoop).toHaveLength(1);
      for (const p of [...s.closedLoop, ...s.openLoop]) {
        expect(p.runs).toHaveLength(1);
        const r = p.runs[0];
        expect(r?.ok).toBeGreaterThan(0);
        expect(r?.sent).toBeGreaterThanOrEqual(r?.ok ?? 0);
        expect(p.throughput.median).toBeGreaterThan(0);
        for (const v of [p.p50.median, p.p95.median, p.p99.median]) expect(Number.isFinite(v)).toBe(true);
        expect(p.p50.median).toBeLessThanOrEqual(p.p99.median);
      }
    }
  });

  test("server CPU use is measured from the server's own process, and the instrument is labelled as one", () => {
    for (const s of results.subjects) {
      expect(s.closedLoop[0]?.serverCpuCores?.median).toBeGreaterThan(0);
      expect(s.instrument).toEqual(expect.any(String));
    }
  });

  test("results record the machine, the load average and the tokenized workload", () => {
    expect(results.machine.logicalCores).toBeGreaterThan(0);
    expect(results.machine.cpuModel).not.toBe("");
    expect(results.machine.loadAverage).toHaveLength(3);
    expect(results.loadAverageAtEnd).toHaveLength(3);
    expect(results.workload.sentences).toBeGreaterThan(0);
    expect(results.workload.withPhi).toBeGreaterThan(0);
    expect(results.workload.tokens.max).toBeGreaterThanOrEqual(results.workload.tokens.p50);
    expect(results.model.synthetic).toBe(true);
  });

  test("the gateway-overhead goal is evaluated from the two measured throughputs", () => {
    const goal = results.goals.find((g) => g.goal.startsWith("gateway pipeline"));
    const [gateway, echo] = results.subjects as [SubjectResult, SubjectResult];
    expect(goal?.ratio).toBeCloseTo(
      (gateway.saturation?.throughput ?? 0) / (echo.saturation?.throughput ?? 1),
      6,
    );
    expect(typeof goal?.met).toBe("boolean");
  });

  test("a Markdown table and two SVG charts are written next to results.json", () => {
    const md = readFileSync(path.join(out, "results.md"), "utf8");
    expect(md).toContain("| gateway-overhead/gateway | closed, c=1 |");
    for (const chart of ["latency-vs-throughput.svg", "throughput-vs-concurrency.svg"]) {
      const svg = readFileSync(path.join(out, chart), "utf8");
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toContain("gateway-overhead/express-echo");
    }
  });
});

describe("benchmark harness: --target against a running gateway", () => {
  test("client credentials are exchanged at <target>/oauth2/token and the deployed path is measured with the token", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-target-"));
    const repository = path.join(dir, "models");
    await tsx("triton-models/tools/generate-model.ts", [
      "--size",
      "tiny",
      "--out",
      path.join(repository, "distilbert_sst2", "1"),
    ]);
    const port = await freePort();
    const metricsPort = await freePort();
    const devDir = path.join(dir, "dev-keys");
    const gateway = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "gateway", "src", "main.ts")],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOST: "127.0.0.1",
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          LOCAL_DEV_DIR: devDir,
          MODEL_REPOSITORY: repository,
          // The tiny model generated here has no int8 twin; fp32 is also what the parity check compares.
          MODEL_PRECISION: "fp32",
          LOG_LEVEL: "warn",
        },
        stdio: "ignore",
      },
    );
    try {
      await waitForReady(`http://127.0.0.1:${port}/readyz`);
      const secret = readFileSync(path.join(devDir, "client-secret.txt"), "utf8").trim();
      const out = path.join(dir, "out");
      await tsx(
        "bench/cli.ts",
        [
          "--target",
          `http://127.0.0.1:${port}`,
          "--client-id",
          "local-dev",
          "--warmup",
          "0.5",
          "--duration",
          "1",
          "--repetitions",
          "1",
          "--concurrency",
          "2",
          "--model-repository",
          repository,
          "--out",
          out,
        ],
        { BENCH_CLIENT_SECRET: secret },
      );
      const results = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as BenchResults;
      expect(results.mode).toBe("target");
      expect(results.command).not.toContain(secret);
      const [target] = results.subjects;
      expect(target?.id).toBe("target");
      expect(target?.failure).toBeNull();
      expect(target?.closedLoop[0]?.runs[0]?.ok).toBeGreaterThan(0);
      expect(target?.closedLoop[0]?.runs[0]?.statusCounts["401"]).toBeUndefined();
    } finally {
      gateway.kill("SIGTERM");
      await new Promise((resolve) => gateway.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("FastAPI peer", () => {
  test("it runs the same model and tokenizer as the gateway: same labels and scores for the same sentences", async () => {
    const python = path.join(ROOT, ".venv", "bin", "python");
    if (!existsSync(python))
      throw new Error(`${python} is missing: run \`npm run setup\` (npm test does) first`);
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-peer-"));
    const repository = path.join(dir, "models");
    const versionDir = path.join(repository, "distilbert_sst2", "1");
    await tsx("triton-models/tools/generate-model.ts", ["--size", "tiny", "--out", versionDir]);
    const [peerPort, port, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const devDir = path.join(dir, "dev-keys");
    const peer = spawn(
      python,
      [
        "-m",
        "uvicorn",
        "app:app",
        "--app-dir",
        path.join(ROOT, "bench", "fastapi_peer"),
        "--host",
        "127.0.0.1",
        "--port",
        String(peerPort),
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH, MODEL_DIR: versionDir }, stdio: "ignore" },
    );
    const gateway = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "gateway", "src", "main.ts")],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOST: "127.0.0.1",
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          LOCAL_DEV_DIR: devDir,
          MODEL_REPOSITORY: repository,
          // The tiny model generated here has no int8 twin; fp32 is also what the parity check compares.
          MODEL_PRECISION: "fp32",
          // The parity is about model and tokenizer; the learned PHI detector is scored in the deid suites.
          DEID_MODEL: "off",
          LOG_LEVEL: "warn",
        },
        stdio: "ignore",
      },
    );
    try {
      await waitForReady(`http://127.0.0.1:${peerPort}/healthz`);
      await waitForReady(`http://127.0.0.1:${port}/readyz`);
      const secret = readFileSync(path.join(devDir, "client-secret.txt"), "utf8").trim();
      const tokenResponse = await fetch(`http://127.0.0.1:${port}/oauth2/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`local-dev:${secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials&scope=inference%3Ainvoke",
      });
      const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
      // Sentences without identifiers, so the gateway's de-identification leaves the text as the peer sees it.
      const sentences = [
        "Pain is well controlled on oral acetaminophen.",
        "Wound is clean, dry and intact with no signs of infection.",
        "The patient is frustrated that the discharge has been delayed again.",
        "Family is very pleased with the care provided on the unit.",
      ];
      for (const text of sentences) {
        const body = JSON.stringify({ text });
        const fromPeer = (await (
          await fetch(`http://127.0.0.1:${peerPort}/v1/sentiment`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          })
        ).json()) as { label: string; score: number };
        const fromGateway = (await (
          await fetch(`http://127.0.0.1:${port}/v1/sentiment`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body,
          })
        ).json()) as { label: string; score: number };
        expect(fromPeer.label).toBe(fromGateway.label);
        expect(fromPeer.score).toBeCloseTo(fromGateway.score, 4);
      }
    } finally {
      for (const child of [peer, gateway]) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("benchmark CLI input errors", () => {
  test("an unknown scenario name exits with status 2 and one readable line", async () => {
    const failure = await tsx("bench/cli.ts", ["--scenarios", "embedded-batched,warp-speed"]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    const lines = (failure?.stderr ?? "").trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bench: unknown scenario "warp-speed"; known: embedded-unbatched/);
  }, 60_000);

  test("--target without a token or client credentials is refused before anything starts", async () => {
    const failure = await tsx("bench/cli.ts", ["--target", "https://inference.example.org"]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim()).toBe(
      "bench: --target needs --token or both --client-id and --client-secret",
    );
  }, 60_000);
});

describe("open-loop driver", () => {
  test("latency is measured from the intended send time, so a server that falls behind shows it", async () => {
    // One request at a time, 100 ms each: at 20 requests/s the queue grows by ~50 ms per request.
    const serviceMs = 100;
    let chain = Promise.resolve();
    const server = http.createServer((req, res) => {
      req.resume();
      chain = chain.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              res.end("{}");
              resolve();
            }, serviceMs),
          ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await runOpenLoop(
        { origin: `http://127.0.0.1:${port}`, path: "/", headers: {}, bodies: ["{}"] },
        { rate: 20, durationS: 1 },
      );
      // All 20 were sent on schedule although the server could answer only ~10 in that second.
      expect(result.sent).toBe(20);
      expect(result.ok).toBe(20);
      // The last request was due at 950 ms but could not finish before 20 × 100 ms: a closed-loop client
      // would have reported ~100 ms for it.
      expect(result.latency.max).toBeGreaterThanOrEqual(20 * serviceMs - 950 - 10);
      expect(result.latency.p99).toBeGreaterThan(5 * serviceMs);
    } finally {
      server.close();
    }
  }, 30_000);
});

describe("reported compute", () => {
  test("GFLOPs per sequence match the generator's per-token FLOPs for the DistilBERT-base shape", () => {
    const base = MODEL_SIZES.base;
    const shape = {
      dim: base.hiddenSize,
      layers: base.layers,
      heads: base.heads,
      ffn: base.ffnSize,
      numLabels: 2,
    };
    const perToken = flopsPerToken(base);
    for (const L of [16, 128, 512]) {
      const encoder = L * perToken.linear + L * L * perToken.attentionPerPosition;
      const head = 2 * base.hiddenSize * base.hiddenSize + 2 * base.hiddenSize * 2;
      expect(flopsPerSequence(shape, L)).toBe(encoder + head);
    }
  });

  test("mean batch size comes from the gateway's batch-size histogram summed over sequence buckets", () => {
    const exposition = [
      "# TYPE gateway_backend_batch_size histogram",
      'gateway_backend_batch_size_bucket{le="1",sequence_bucket="16"} 1',
      'gateway_backend_batch_size_sum{sequence_bucket="16"} 40',
      'gateway_backend_batch_size_count{sequence_bucket="16"} 5',
      'gateway_backend_batch_size_sum{sequence_bucket="32"} 24',
      'gateway_backend_batch_size_count{sequence_bucket="32"} 3',
      "gateway_http_requests_total 99",
    ].join("\n");
    expect(histogramTotals(exposition, "gateway_backend_batch_size")).toEqual({ sum: 64, count: 8 });
  });
});

describe("goals", () => {
  const point = (throughput: number, p95: number, concurrency: number): LoadPoint => ({
    mode: "closed",
    concurrency,
    targetRate: null,
    runs: [],
    throughput: spread([throughput]),
    p50: spread([p95 / 2]),
    p95: spread([p95]),
    p99: spread([p95 * 1.2]),
    errorRate: spread([0]),
    meanBatchSize: null,
    serverCpuCores: null,
    loadGeneratorCpuCores: spread([0]),
    achievedGflops: null,
  });
  const subject = (id: string, points: LoadPoint[]): SubjectResult => {
    const best = points.reduce((a, b) => (b.throughput.median > a.throughput.median ? b : a));
    return {
      id,
      scenario: id,
      label: id,
      description: id,
      instrument: null,
      server: {},
      gflopsPerRequest: null,
      paddedLengths: null,
      closedLoop: points,
      openLoop: [],
      saturation: {
        throughput: best.throughput.median,
        concurrency: best.concurrency ?? 0,
        p50: best.p50.median,
        p95: best.p95.median,
        p99: best.p99.median,
      },
      failure: null,
    };
  };

  test("the 3× goal counts only embedded-batched-int8 points whose p95 is at or under the fp32 peer's p95", () => {
    const peer = subject("fastapi-peer", [point(10, 100, 1), point(12, 400, 8)]);
    // 45 req/s at p95 500 ms is faster but slower at the tail than the peer (400 ms): it does not count.
    const batched = subject("embedded-batched-int8", [point(30, 300, 4), point(45, 500, 32)]);
    const goal = evaluateGoals([peer, batched]).find((g) => g.goal.startsWith("embedded-batched-int8 ≥ 3×"));
    expect(goal?.ratio).toBeCloseTo(30 / 12, 6);
    expect(goal?.met).toBe(false);
  });

  test("Triton batching must at least match unbatched Triton: a tie meets the goal", () => {
    const goals = evaluateGoals([
      subject("triton-unbatched", [point(30, 100, 16)]),
      subject("triton-batched", [point(30, 200, 16)]),
    ]);
    const goal = goals.find((g) => g.goal.startsWith("triton-batched ≥ triton-unbatched"));
    expect(goal?.ratio).toBeCloseTo(1, 9);
    expect(goal?.met).toBe(true);
  });

  test("a goal whose scenarios were not run is reported as not evaluated, never as met or missed", () => {
    const goals = evaluateGoals([]);
    expect(goals.map((g) => g.met)).toEqual([null, null, null, null, null, null, null]);
  });
});
