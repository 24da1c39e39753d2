import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { createTestKeys, TEST_AUDIENCE, TEST_ISSUER } from "./support/keys";

const ROOT = path.resolve(__dirname, "..");

interface Started {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  logs: string[];
  exit: Promise<number | null>;
}

function startServer(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/drain-server.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      logs.push(line);
      const record = JSON.parse(line);
      if (record.msg === "gateway listening") {
        resolve({ child, port: record.port, metricsPort: record.metricsPort, logs, exit });
      }
    });
    exit.then((code) => reject(new Error(`server exited early with ${code}: ${stderr}`)));
  });
}

async function gauge(metricsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const match = new RegExp(`^${name} (\\d+)`, "m").exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

describe("graceful shutdown", () => {
  it("on SIGTERM finishes every in-flight and queued request, refuses new connections, and exits 0", {
    timeout: 90_000,
  }, async () => {
    const keys = await createTestKeys();
    const server = await startServer({
      JWT_JWKS_FILE: keys.jwksFile,
      JWT_ISSUER: TEST_ISSUER,
      JWT_AUDIENCE: TEST_AUDIENCE,
      DEID_KEY_FILE: keys.signingKeyFile,
      HOST: "127.0.0.1",
      PORT: "0",
      METRICS_PORT: "0",
      MAX_INFLIGHT: "3",
      MAX_PENDING: "10",
      SHUTDOWN_TIMEOUT_MS: "20000",
      DRAIN_TEST_BACKEND_MS: "1500",
      // The backend is slow on purpose; the budget must outlast it, this test is about the drain.
      REQUEST_DEADLINE_MS: "20000",
    });
    const token = await keys.mint();
    const base = `http://127.0.0.1:${server.port}`;
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      fetch(`${base}/v1/sentiment`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ text: `request ${i} from John Smith was good` }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { label: string } })),
    );
    // Three requests are inside the backend and three wait for a slot when the signal arrives.
    while ((await gauge(server.metricsPort, "gateway_backend_inflight_requests")) < 3) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    server.child.kill("SIGTERM");

    const results = await Promise.all(inFlight);
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
    );
    for (const r of results) assert.equal(r.body.label, "POSITIVE");
    await assert.rejects(fetch(`${base}/healthz`), "the listener no longer accepts connections");
    assert.equal(await server.exit, 0);
    const messages = server.logs.map((l) => JSON.parse(l).msg);
    assert.ok(messages.includes("draining: readiness now fails, in-flight requests will finish"));
    assert.ok(messages.includes("drained"));
  });
});
