import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchResults, SubjectResult } from "../bench/lib/results";
import { tsx } from "./support/bench-run";

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

  test("the gateway-overhead scenario measures the served gateway, the rules-only gateway and the bare Express echo, one after the other", () => {
    expect(results.subjects.map((s) => s.id)).toEqual([
      "gateway-overhead/gateway",
      "gateway-overhead/gateway-rules-only",
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

  test("the gateway-overhead goal is evaluated from the served gateway's and the echo's measured throughputs", () => {
    const goal = results.goals.find((g) => g.goal.startsWith("gateway pipeline"));
    const byId = (id: string) => results.subjects.find((s) => s.id === id) as SubjectResult;
    const [gateway, echo] = [byId("gateway-overhead/gateway"), byId("gateway-overhead/express-echo")];
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
