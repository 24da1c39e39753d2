/**
 * The command line of triton-models/local/serve_triton.py, the real Triton (nvidia-pytriton's bundled binary,
 * CPU) that the integration tests and the benchmarks start. One home for its flags, so the tests' launcher and
 * the benchmark's cannot drift apart on how a server is asked to bind, batch or pin a version.
 */
import path from "node:path";
import { PROJECT_ROOT } from "./repository-layout";

/** Relative to the project root (what reports show); absolute below (what is spawned). */
export const LOCAL_TRITON_LAUNCHER = "triton-models/local/serve_triton.py";
export const LOCAL_TRITON_LAUNCHER_PATH = path.join(PROJECT_ROOT, LOCAL_TRITON_LAUNCHER);

/** The launcher only ever binds loopback here: nothing outside this machine may reach a local Triton. */
export const LOCAL_TRITON_HOST = "127.0.0.1";

export interface LocalTritonPorts {
  http: number;
  grpc: number;
  metrics: number;
}

export interface LocalTritonCommand {
  modelRepository: string;
  modelVersion: string;
  ports: LocalTritonPorts;
  /** Triton's dynamic batcher on or off. */
  batching: boolean;
  maxBatchSize: number;
  maxQueueDelayUs?: number;
  /** Batch sizes Triton dispatches at once when it has them queued; absent = the launcher's 4,8,16 (capped). */
  preferredBatchSizes?: readonly number[];
  /** ONNX Runtime intra-op threads per instance; the launcher's default is one. */
  intraOpThreads?: number;
  /** Model instances (Triton's instance_group count), each its own ONNX Runtime session; absent = one. */
  instances?: number;
  /** The version folder's model file to serve (model.int8.onnx for int8); absent = the launcher's model.onnx. */
  modelFile?: string;
  /** Triton's queue policy (REJECT after timeoutUs, at most maxQueueSize queued); absent = none. */
  queuePolicy?: { timeoutUs: number; maxQueueSize: number };
}

/** Arguments for the Python interpreter: the launcher script, then its flags. */
export function localTritonArgs(c: LocalTritonCommand): string[] {
  const args = [
    LOCAL_TRITON_LAUNCHER_PATH,
    "--model-repo",
    c.modelRepository,
    "--model-version",
    c.modelVersion,
    "--host",
    LOCAL_TRITON_HOST,
    "--http-port",
    String(c.ports.http),
    "--grpc-port",
    String(c.ports.grpc),
    "--metrics-port",
    String(c.ports.metrics),
    "--batching",
    c.batching ? "on" : "off",
    "--max-batch-size",
    String(c.maxBatchSize),
  ];
  if (c.maxQueueDelayUs !== undefined) args.push("--max-queue-delay-us", String(c.maxQueueDelayUs));
  if (c.preferredBatchSizes !== undefined && c.preferredBatchSizes.length > 0) {
    args.push("--preferred-batch-sizes", c.preferredBatchSizes.join(","));
  }
  if (c.intraOpThreads !== undefined) args.push("--intra-op-threads", String(c.intraOpThreads));
  if (c.instances !== undefined) args.push("--instances", String(c.instances));
  if (c.modelFile !== undefined) args.push("--model-file", c.modelFile);
  if (c.queuePolicy !== undefined) {
    args.push("--queue-timeout-us", String(c.queuePolicy.timeoutUs));
    args.push("--max-queue-size", String(c.queuePolicy.maxQueueSize));
  }
  return args;
}

export function localTritonOrigin(port: number): string {
  return `http://${LOCAL_TRITON_HOST}:${port}`;
}
