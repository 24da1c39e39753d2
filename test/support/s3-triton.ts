/**
 * Runs the real tritonserver (nvidia-pytriton's bundle, CPU) with the Triton Deployment's own arguments
 * (`tritonArgs`), reading its model repository from an S3 API server on loopback with session credentials,
 * then loads the model the Deployment names and waits until it is ready.
 *
 * Three things differ from the cluster, each because this machine is not a GPU node:
 * - `--model-repository` gets the loopback endpoint in Triton's custom-endpoint form,
 *   `s3://http://127.0.0.1:<port>/<bucket>/<prefix>`; ports and bind addresses are loopback ones.
 * - The bundle has no ONNX Runtime backend; a Python-based backend named `onnxruntime`
 *   (triton-onnxruntime-standin/model.py) runs the uploaded model.onnx, so the uploaded config loads as is.
 * - The uploaded config asks for KIND_GPU instances, which Triton refuses without a GPU. Instead of
 *   `--load-model` at start-up, the model is loaded through Triton's repository API with the uploaded
 *   config (parsed by Triton's ModelConfig protobuf) overriding only the instance kind to KIND_CPU; the files
 *   still come from S3 exactly as uploaded.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../bench/lib/servers/process";
import { tritonArgs } from "../../components/triton";
import { requireVenvPython } from "../../gateway/test/support/synthetic-model";
import type { SessionCredentials } from "./s3-iam-server";
import { bundledTriton } from "./triton-binary";

const STANDIN_BACKEND = path.join(__dirname, "triton-onnxruntime-standin", "model.py");
const VALIDATE_CONFIG = path.join(__dirname, "..", "..", "triton-models", "tools", "validate_config.py");

export interface S3TritonOptions {
  /** s3://<bucket>/<prefix>, the stack's modelRepositoryUri. */
  repositoryUri: string;
  /** http://127.0.0.1:<port> of the S3 API server. */
  endpoint: string;
  region: string;
  credentials: SessionCredentials;
  modelName: string;
  /** The config.pbtxt the stack uploads for the model. */
  modelConfig: string;
  /** Default 180 s (first start on a loaded machine). */
  startTimeoutMs?: number;
}

export interface S3Triton {
  url: string;
  /** Triton's answer to the load request (200 when the model loaded). */
  load: { status: number; body: string };
  logs(): string;
  stop(): Promise<void>;
}

/** The uploaded config as Triton's JSON model config, with GPU instance groups turned into CPU ones. */
export function cpuConfigOverride(configPbtxt: string): string {
  const parsed = JSON.parse(
    execFileSync(requireVenvPython(), [VALIDATE_CONFIG, "-"], { input: configPbtxt, encoding: "utf8" }),
  ) as { ok: boolean; config: { instance_group?: { kind?: string; gpus?: unknown }[] } };
  if (!parsed.ok) throw new Error("the uploaded config.pbtxt does not parse as a Triton ModelConfig");
  for (const group of parsed.config.instance_group ?? []) {
    if (group.kind === "KIND_GPU") {
      group.kind = "KIND_CPU";
      delete group.gpus;
    }
  }
  return JSON.stringify(parsed.config);
}

async function status(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

export async function startS3Triton(options: S3TritonOptions): Promise<S3Triton> {
  const triton = bundledTriton();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "s3-triton-"));
  const backends = triton.assembleBackends(work, { onnxruntime: STANDIN_BACKEND });
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const uri = options.repositoryUri.replace(/^s3:\/\//, `s3://${options.endpoint}/`);
  const args = tritonArgs(uri, options.modelName)
    .filter((arg) => !arg.startsWith("--load-model="))
    .map((arg) =>
      arg
        .replace(/^--http-port=\d+$/, `--http-port=${http}`)
        .replace(/^--grpc-port=\d+$/, `--grpc-port=${grpc}`)
        .replace(/^--metrics-port=\d+$/, `--metrics-port=${metrics}`),
    );
  const child: ChildProcess = spawn(
    triton.binary,
    [
      ...args,
      `--backend-directory=${backends}`,
      "--http-address=127.0.0.1",
      "--grpc-address=127.0.0.1",
      "--metrics-address=127.0.0.1",
    ],
    {
      env: {
        ...triton.env,
        AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
        AWS_SESSION_TOKEN: options.credentials.sessionToken,
        AWS_DEFAULT_REGION: options.region,
        AWS_REGION: options.region,
        // Credentials and region come from the environment; never ask an instance metadata service.
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: path.join(work, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-aws-credentials"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A test runner that exits without calling stop() must not leave Triton running.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(work, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
  const failed = async (what: string) => {
    await stop();
    return new Error(`${what}:\n${output.slice(-4000)}`);
  };
  while ((await status(`${url}/v2/health/live`)).status !== 200) {
    if (child.exitCode !== null || child.signalCode !== null) throw await failed("tritonserver exited");
    if (Date.now() > deadline) throw await failed("tritonserver did not come up");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const load = await status(`${url}/v2/repository/models/${options.modelName}/load`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ parameters: { config: cpuConfigOverride(options.modelConfig) } }),
  });
  return { url, load, logs: () => output, stop };
}
