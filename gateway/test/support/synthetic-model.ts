/**
 * Test access to the synthetic model generator (triton-models/tools/generate-model.ts).
 *
 * The generator is run as a child process, the way setup scripts and people run it, so the tests cover the CLI
 * and the gateway's TypeScript project does not compile files outside gateway/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { CHECKOUT_TOKENIZER, PROJECT_ROOT } from "../../src/inference/repository-layout";

export const REPO_ROOT = PROJECT_ROOT;
export const GENERATOR = path.join(REPO_ROOT, "triton-models", "tools", "generate-model.ts");
/** The one committed tokenizer.json, which every generated model copies. */
export const CANONICAL_TOKENIZER = CHECKOUT_TOKENIZER;
export const VENV_PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");
/** The tiny model repository that scripts/setup.d/20-models.sh writes for tests. */
export const TINY_MODEL_REPOSITORY = path.join(REPO_ROOT, ".local", "models", "tiny");

export interface GeneratorRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runGenerator(args: string[]): GeneratorRun {
  const result = spawnSync(process.execPath, ["--import", "tsx", GENERATOR, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Generates a tiny model into `versionDir` and returns its model-info.json; throws with the CLI's message. */
export function generateTinyModel(versionDir: string, seed?: number): Record<string, unknown> {
  const args = ["--size", "tiny", "--out", versionDir];
  if (seed !== undefined) args.push("--seed", String(seed));
  const run = runGenerator(args);
  if (run.status !== 0) throw new Error(`generate-model failed (${run.status}): ${run.stderr.trim()}`);
  return JSON.parse(readFileSync(path.join(versionDir, "model-info.json"), "utf8")) as Record<
    string,
    unknown
  >;
}

/**
 * The tiny model repository for tests, <repo>/.local/models/tiny/distilbert_sst2/1, generated if missing
 * (normally `npm run setup` has written it already).
 */
export function tinyModelRepository(): string {
  const versionDir = path.join(TINY_MODEL_REPOSITORY, "distilbert_sst2", "1");
  const complete = ["model.onnx", "tokenizer.json", "model-info.json"].every((f) =>
    existsSync(path.join(versionDir, f)),
  );
  if (!complete) generateTinyModel(versionDir);
  return TINY_MODEL_REPOSITORY;
}

export function requireVenvPython(): string {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(`${VENV_PYTHON} is missing: run \`npm run setup\` (scripts/setup.d/10-python.sh) first`);
  }
  return VENV_PYTHON;
}
