/**
 * Runs the real Triton Inference Server binary that nvidia-pytriton bundles (installed into .venv by
 * `npm run setup`) with exactly the arguments the Triton Deployment passes, against a local model repository
 * instead of S3, on loopback ports. CPU only: a Python-backend stand-in model replaces DistilBERT.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../bench/lib/servers/process";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const VENV_PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");

export interface RunningTriton {
  httpUrl: string;
  metricsUrl: string;
  child: ChildProcess;
  logs(): string;
  /** Sends SIGTERM and resolves with the exit code once the process has ended. */
  terminate(): Promise<number | null>;
  cleanup(): void;
}

const MODEL_PY = `
import time
import numpy as np
import triton_python_backend_utils as pb_utils

class TritonPythonModel:
    def initialize(self, args):
        # Stands in for model download and engine build: the server must not look alive meanwhile.
        time.sleep(2)

    def execute(self, requests):
        responses = []
        for request in requests:
            ids = pb_utils.get_input_tensor_by_name(request, "input_ids").as_numpy()
            logits = np.zeros((ids.shape[0], 2), dtype=np.float32)
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("logits", logits)]))
        return responses
`;

function configPbtxt(modelName: string): string {
  return [
    `name: "${modelName}"`,
    'backend: "python"',
    "max_batch_size: 16",
    'input { name: "input_ids" data_type: TYPE_INT64 dims: [-1] }',
    'output { name: "logits" data_type: TYPE_FP32 dims: [2] }',
    "instance_group { count: 1 kind: KIND_CPU }",
    "",
  ].join("\n");
}

/**
 * Starts tritonserver with `args` (from the component) after rewriting the repository to a local directory
 * and the three ports to free loopback ports.
 */
export async function startTriton(
  deploymentArgs: (repositoryUri: string) => string[],
  modelName: string,
): Promise<RunningTriton> {
  if (!fs.existsSync(VENV_PYTHON)) {
    throw new Error(`${VENV_PYTHON} is missing: run \`npm run setup\` to create the Python environment`);
  }
  const [siteDir, libDir, minor] = execFileSync(
    VENV_PYTHON,
    [
      "-c",
      "import site,sysconfig,sys;print(site.getsitepackages()[0]);print(sysconfig.get_config_var('LIBDIR'));print(f'{sys.version_info[0]}.{sys.version_info[1]}')",
    ],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n") as [string, string, string];
  const tritonHome = path.join(siteDir, "pytriton", "tritonserver");
  const binary = path.join(tritonHome, "bin", "tritonserver");
  if (!fs.existsSync(binary))
    throw new Error(`${binary} is missing: nvidia-pytriton is not installed in .venv`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "workloads-triton-"));
  const versionDir = path.join(work, "repo", modelName, "1");
  fs.mkdirSync(versionDir, { recursive: true });
  fs.writeFileSync(path.join(work, "repo", modelName, "config.pbtxt"), configPbtxt(modelName));
  fs.writeFileSync(path.join(versionDir, "model.py"), MODEL_PY);
  // The bundled Python backend keeps its stub per Python version; assemble a backend directory with it.
  const backend = path.join(work, "backends", "python");
  fs.mkdirSync(backend, { recursive: true });
  for (const file of fs.readdirSync(path.join(tritonHome, "backends", "python"))) {
    fs.symlinkSync(path.join(tritonHome, "backends", "python", file), path.join(backend, file));
  }
  fs.symlinkSync(
    path.join(tritonHome, "python_backend_stubs", minor, "triton_python_backend_stub"),
    path.join(backend, "triton_python_backend_stub"),
  );

  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const args = deploymentArgs(path.join(work, "repo")).map((arg) =>
    arg
      .replace(/^--http-port=\d+$/, `--http-port=${http}`)
      .replace(/^--grpc-port=\d+$/, `--grpc-port=${grpc}`)
      .replace(/^--metrics-port=\d+$/, `--metrics-port=${metrics}`),
  );
  const child = spawn(
    binary,
    [
      ...args,
      `--backend-directory=${path.join(work, "backends")}`,
      "--http-address=127.0.0.1",
      "--grpc-address=127.0.0.1",
      "--metrics-address=127.0.0.1",
    ],
    {
      env: {
        ...process.env,
        PATH: `${path.dirname(VENV_PYTHON)}:${process.env.PATH ?? ""}`,
        LD_LIBRARY_PATH: [
          libDir,
          path.join(siteDir, "nvidia_pytriton.libs"),
          process.env.LD_LIBRARY_PATH ?? "",
        ]
          .filter((p) => p !== "")
          .join(":"),
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
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  return {
    httpUrl: `http://127.0.0.1:${http}`,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    child,
    logs: () => output,
    async terminate() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    cleanup() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Status code of a GET, or 0 when nothing answers (connection refused). */
export async function statusOf(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
