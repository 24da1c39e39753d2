/**
 * The benchmark harness (bench/) against an already running gateway (--target): client credentials are
 * exchanged for a token at the target and the deployed path is measured with it. Nothing here asserts speed.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchResults } from "../bench/lib/results";
import { freePort } from "../bench/lib/servers/process";
import { spawnLocalGateway, tsx, waitForReady } from "./support/bench-run";

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
    const gateway = spawnLocalGateway({ port, metricsPort, devDir, repository });
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
