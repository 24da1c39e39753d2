/**
 * The real Triton Inference Server binary that nvidia-pytriton bundles in .venv (`npm run setup`), prepared to
 * run outside pytriton: the backend directory it needs and the environment its Python stubs need.
 *
 * The bundle carries only the Python backend. `assembleBackends` links it into a backend directory and adds any
 * Python-based backends by name (a folder holding model.py: Triton loads it through the Python backend); the S3
 * test adds `onnxruntime` that way, so a config with `platform: "onnxruntime_onnx"` loads unchanged.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { requireVenvPython } from "../../gateway/test/support/synthetic-model";

export interface BundledTriton {
  binary: string;
  /** The environment tritonserver and its stubs run with (this Python's libpython first, .venv on PATH). */
  env: NodeJS.ProcessEnv;
  /** Writes a backend directory under `dir`: the Python backend plus `pythonBackends` (name -> model.py path). */
  assembleBackends(dir: string, pythonBackends?: Record<string, string>): string;
}

export function bundledTriton(): BundledTriton {
  const python = requireVenvPython();
  const [siteDir, libDir, minor] = execFileSync(
    python,
    [
      "-c",
      "import site,sysconfig,sys;print(site.getsitepackages()[0]);print(sysconfig.get_config_var('LIBDIR'));print(f'{sys.version_info[0]}.{sys.version_info[1]}')",
    ],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n") as [string, string, string];
  const home = path.join(siteDir, "pytriton", "tritonserver");
  const binary = path.join(home, "bin", "tritonserver");
  if (!fs.existsSync(binary))
    throw new Error(`${binary} is missing: run \`npm run setup\` (nvidia-pytriton)`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The stub embeds libpython; it must be this interpreter's build (see docs/models.md, "A real Triton locally").
    PATH: `${path.dirname(python)}:${process.env.PATH ?? ""}`,
    LD_LIBRARY_PATH: [libDir, path.join(siteDir, "nvidia_pytriton.libs"), process.env.LD_LIBRARY_PATH ?? ""]
      .filter((p) => p !== "")
      .join(":"),
  };

  const assembleBackends = (dir: string, pythonBackends: Record<string, string> = {}) => {
    const backends = path.join(dir, "backends");
    const pythonDir = path.join(backends, "python");
    fs.mkdirSync(pythonDir, { recursive: true });
    // Copies, not links: Triton refuses a backend library whose real path is outside the backend directory.
    for (const file of fs.readdirSync(path.join(home, "backends", "python"))) {
      if (file === "__pycache__") continue;
      fs.copyFileSync(path.join(home, "backends", "python", file), path.join(pythonDir, file));
    }
    // The bundle keeps one stub per Python minor version; the backend expects it beside libtriton_python.so.
    fs.copyFileSync(
      path.join(home, "python_backend_stubs", minor, "triton_python_backend_stub"),
      path.join(pythonDir, "triton_python_backend_stub"),
    );
    for (const [name, modelPy] of Object.entries(pythonBackends)) {
      fs.mkdirSync(path.join(backends, name), { recursive: true });
      fs.copyFileSync(modelPy, path.join(backends, name, "model.py"));
    }
    return backends;
  };

  return { binary, env, assembleBackends };
}
