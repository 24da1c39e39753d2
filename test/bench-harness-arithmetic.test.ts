import http from "node:http";
import type { AddressInfo } from "node:net";
import { flopsPerSequence } from "../bench/lib/flops";
import { evaluateGoals } from "../bench/lib/goals";
import { runOpenLoop } from "../bench/lib/load/open-loop";
import { histogramTotals } from "../bench/lib/prometheus";
import type { LoadPoint, SubjectResult } from "../bench/lib/results";
import { spread } from "../bench/lib/stats";
import { flopsPerToken, MODEL_SIZES } from "../triton-models/tools/model/sizes";

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
