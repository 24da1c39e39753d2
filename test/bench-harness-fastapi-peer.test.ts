/**
 * The benchmark's FastAPI peer (bench/fastapi_peer) serves the same model and tokenizer as the gateway, so the
 * comparison is like for like: same labels and scores for the same sentences. Nothing here asserts speed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../bench/lib/servers/process";
import { ROOT, spawnLocalGateway, tsx, waitForReady } from "./support/bench-run";

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
    const gateway = spawnLocalGateway({
      port,
      metricsPort,
      devDir,
      repository,
      // The parity is about model and tokenizer (fp32 on both sides); the learned PHI detector is scored in the
      // deid suites.
      env: { DEID_MODEL: "off" },
    });
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
