/**
 * Running the benchmark's scripts (and the generator, the gateway) from the checkout under tsx, the way a
 * developer would, and waiting for a server to answer ready.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, "..", "..");
export const tsx = (script: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: "true", ...env },
    maxBuffer: 16 * 1024 * 1024,
  });

export async function waitForReady(url: string, timeoutMs = 90_000): Promise<void> {
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

/**
 * `npm start`'s gateway on loopback, local-dev keys under devDir, serving the freshly generated tiny model of
 * `repository` (which has no int8 twin: fp32). `env` adds to or overrides that environment.
 */
export function spawnLocalGateway(opts: {
  port: number;
  metricsPort: number;
  devDir: string;
  repository: string;
  env?: Record<string, string>;
}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "gateway", "src", "main.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: String(opts.port),
      METRICS_PORT: String(opts.metricsPort),
      LOCAL_DEV_DIR: opts.devDir,
      MODEL_REPOSITORY: opts.repository,
      MODEL_PRECISION: "fp32",
      LOG_LEVEL: "warn",
      ...opts.env,
    },
    stdio: "ignore",
  });
}
