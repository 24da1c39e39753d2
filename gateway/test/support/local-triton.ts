/**
 * Starts a real NVIDIA Triton Inference Server (CPU, via nvidia-pytriton's bundled binary) serving a model
 * repository's distilbert_sst2 version, for integration tests: triton-models/local/serve_triton.py from .venv,
 * with the command line the benchmark uses too (src/inference/local-triton-command.ts).
 *
 *   const triton = await startLocalTriton({ modelRepository: tinyModelRepository() });
 *   ... requests to triton.url (KServe v2 HTTP) ...
 *   await triton.stop();
 *
 * Ports are picked free on 127.0.0.1; the server only ever binds loopback.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import {
  LOCAL_TRITON_HOST,
  type LocalTritonCommand,
  localTritonArgs,
  localTritonOrigin,
} from "../../src/inference/local-triton-command";
import { REPO_ROOT, requireVenvPython, tinyModelRepository } from "./synthetic-model";

export interface LocalTritonOptions {
  /** Triton-layout repository; default: the tiny synthetic model under .local/models/tiny. */
  modelRepository?: string;
  modelVersion?: string;
  /** Triton's dynamic batcher on (default) or off. */
  batching?: boolean;
  maxBatchSize?: number;
  maxQueueDelayUs?: number;
  queuePolicy?: LocalTritonCommand["queuePolicy"];
  /** How long to wait for /v2/health/ready and the model's readiness (default 120 s: first start unpacks Triton). */
  startTimeoutMs?: number;
}

export interface LocalTriton {
  /** KServe v2 HTTP base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Prometheus metrics base URL (…/metrics). */
  metricsUrl: string;
  modelName: "distilbert_sst2";
  modelVersion: string;
  /** The server's recent output (for failure messages). */
  logs(): string;
  /** SIGTERM, then SIGKILL of the whole process group after 15 s. Idempotent. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, LOCAL_TRITON_HOST);
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not allocate a port");
  return address.port;
}

const LOG_LIMIT = 64 * 1024;
const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The server runs in its own process group (detached), so tritonserver and its Python stubs stop with it.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// A test runner that exits without calling stop() must not leave Triton running.
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

export async function startLocalTriton(options: LocalTritonOptions = {}): Promise<LocalTriton> {
  const python = requireVenvPython();
  const modelRepository = options.modelRepository ?? tinyModelRepository();
  const modelVersion = options.modelVersion ?? "1";
  const [httpPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = localTritonArgs({
    modelRepository,
    modelVersion,
    ports: { http: httpPort, grpc: grpcPort, metrics: metricsPort },
    batching: options.batching !== false,
    maxBatchSize: options.maxBatchSize ?? 16,
    maxQueueDelayUs: options.maxQueueDelayUs ?? 2000,
    queuePolicy: options.queuePolicy,
  });
  const child = spawn(python, args, { cwd: REPO_ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-LOG_LIMIT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = once(child, "exit").then(() => running.delete(child));

  const url = localTritonOrigin(httpPort);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // Stub processes may outlive the main process by a moment; make sure the group is gone.
    killGroup(child, "SIGKILL");
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  const readyPaths = ["/v2/health/ready", `/v2/models/distilbert_sst2/versions/${modelVersion}/ready`];
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `local Triton exited (${child.exitCode ?? child.signalCode}) before ready:\n${output.slice(-4000)}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`local Triton was not ready within the start timeout:\n${output.slice(-4000)}`);
    }
    const statuses = await Promise.all(
      readyPaths.map((p) =>
        fetch(url + p, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    // Triton answers health before our wrapper has finished; the READY line marks the end of start-up.
    if (statuses.every((s) => s === 200) && output.includes("READY http://")) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    url,
    metricsUrl: localTritonOrigin(metricsPort),
    modelName: "distilbert_sst2",
    modelVersion,
    logs: () => output,
    stop,
  };
}
