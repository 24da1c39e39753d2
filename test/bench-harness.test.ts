/**
 * The benchmark harness itself (bench/). Nothing here asserts how fast anything is: these tests check that a
 * short real run produces well-formed results, that the open-loop driver does not hide queueing, and that the
 * arithmetic behind the reported GFLOPs and goals is the documented one.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { spread } from "../bench/lib/stats";
import { flopsPerToken, MODEL_SIZES } from "../triton-models/tools/model/sizes";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const tsx = (script: string, args: string[]) =>
  run(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });

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

  test("the 2× goal counts only embedded-batched points whose p95 is at or under the peer's p95", () => {
    const peer = subject("fastapi-peer", [point(10, 100, 1), point(12, 400, 8)]);
    // 30 req/s at p95 500 ms is faster but slower at the tail than the peer (400 ms): it does not count.
    const batched = subject("embedded-batched", [point(20, 300, 4), point(30, 500, 32)]);
    const goal = evaluateGoals([peer, batched]).find((g) => g.goal.startsWith("embedded-batched ≥ 2×"));
    expect(goal?.ratio).toBeCloseTo(20 / 12, 6);
    expect(goal?.met).toBe(false);
  });

  test("a goal whose scenarios were not run is reported as not evaluated, never as met or missed", () => {
    const goals = evaluateGoals([]);
    expect(goals.map((g) => g.met)).toEqual([null, null, null, null]);
  });
});
