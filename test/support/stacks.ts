/**
 * Runs the whole Pulumi program (index.ts) under mocks for a stack, with the committed stack file's config
 * plus test overrides, and returns what it registered and exported.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ConfigValue, installPulumiMocks, type MockedStack, type MockOptions } from "./pulumi-mocks";
import { stackFileConfig } from "./stack-files";
import { mockState } from "./workloads-fixture";

/** The account-specific keys prod requires (not committed to Pulumi.prod.yaml). */
export const PROD_REQUIRED = {
  certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
  gatewayImageTag: "1.4.2",
  clusterAdminPrincipalArns: ["arn:aws:iam::123456789012:role/platform-admin"],
} satisfies Record<string, ConfigValue>;

export interface ModelRepoFixture {
  root: string;
  cleanup(): void;
}

/**
 * A throwaway Triton model repository: a model with config.pbtxt, version 1 (model.onnx + tokenizer.json).
 * Like triton-models/repository/, it holds only what is uploaded; tooling lives outside it.
 */
export function makeModelRepo(
  options: { withModel?: boolean; modelName?: string; version?: string } = {},
): ModelRepoFixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "model-repo-"));
  const model = options.modelName ?? "distilbert_sst2";
  const version = options.version ?? "1";
  fs.mkdirSync(path.join(root, model, version), { recursive: true });
  fs.writeFileSync(
    path.join(root, model, "config.pbtxt"),
    `name: "${model}"\nbackend: "onnxruntime"\nmax_batch_size: 16\n`,
  );
  fs.writeFileSync(path.join(root, model, version, "tokenizer.json"), '{"version":"1.0"}');
  if (options.withModel ?? true)
    fs.writeFileSync(path.join(root, model, version, "model.onnx"), Buffer.from([8, 7, 18, 4]));
  return { root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export interface ProgramRun {
  mocked: MockedStack;
  // biome-ignore lint/suspicious/noExplicitAny: the program module's exports are read dynamically
  outputs: Record<string, any>;
}

/** Runs index.ts for `stack` (its Pulumi.<stack>.yaml merged with `overrides`) in a fresh module registry. */
export async function runProgram(
  stack: "dev" | "prod",
  overrides: Record<string, ConfigValue> = {},
  secretKeys: string[] = [],
  // The tls/random/ALB state a real engine would return, which the workloads layer computes with.
  stateFor: MockOptions["stateFor"] = (resource) => mockState(resource),
): Promise<ProgramRun> {
  const mocked = await installPulumiMocks({
    stack,
    config: { ...stackFileConfig(stack), ...overrides },
    secretKeys,
    stateFor,
  });
  // biome-ignore lint/suspicious/noExplicitAny: see ProgramRun
  let outputs: Record<string, any> = {};
  jest.isolateModules(() => {
    outputs = require("../../index");
  });
  await mocked.settle();
  return { mocked, outputs };
}
