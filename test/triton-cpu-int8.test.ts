/**
 * A prod stack with tritonModelVariant=cpu-int8: what it uploads (the int8 file beside the fp32 one, and the
 * int8 config in config.pbtxt's place, valid for Triton's ModelConfig parser), where Triton runs (the CPU pool,
 * no GPU asked for or tolerated), and the one-line refusal when the version has no int8 file.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CPU_POOL_SELECTOR, GPU_TAINT } from "../components/triton";
import { requireVariantModelFile } from "../components/triton-model-config";
import { MODEL_INT8_FILE } from "../gateway/src/inference/repository-layout";
import { requireVenvPython } from "../gateway/test/support/synthetic-model";
import { outputValue, type RecordedResource } from "./support/pulumi-mocks";
import {
  type ModelRepoFixture,
  makeModelRepo,
  PROD_REQUIRED,
  type ProgramRun,
  runProgram,
} from "./support/stacks";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const VALIDATOR = path.join(__dirname, "..", "triton-models", "tools", "validate_config.py");
const INT8 = { tritonModelVariant: "cpu-int8" };

interface TritonJsonConfig {
  default_model_filename?: string;
  instance_group?: { kind?: string; count?: number }[];
  optimization?: unknown;
}

function withInt8File(repo: ModelRepoFixture): ModelRepoFixture {
  fs.writeFileSync(path.join(repo.root, "distilbert_sst2", "1", MODEL_INT8_FILE), Buffer.from([8, 7, 18, 8]));
  return repo;
}

const objectKeys = (run: ProgramRun): string[] => run.mocked.byType(OBJECT).map((o) => o.inputs.key);

function uploadedConfig(run: ProgramRun): string {
  const found = run.mocked.byType(OBJECT).find((o) => o.inputs.key.endsWith("distilbert_sst2/config.pbtxt"));
  if (!found) throw new Error("no config.pbtxt object uploaded");
  return found.inputs.content as string;
}

function tritonDeployment(run: ProgramRun): RecordedResource {
  const found = run.mocked.byType(DEPLOYMENT).find((d) => d.inputs.metadata?.name === "triton");
  if (!found) throw new Error("no Triton Deployment");
  return found;
}

/** Triton's own ModelConfig parser (tritonclient's protobuf), as triton-models/tools/validate_config.py runs it. */
function parsedByTriton(text: string): TritonJsonConfig {
  const result = JSON.parse(
    execFileSync(requireVenvPython(), [VALIDATOR, "-"], { input: text, encoding: "utf8" }),
  ) as { ok: boolean; config: TritonJsonConfig; error?: string };
  if (!result.ok) throw new Error(`Triton's ModelConfig rejected the config: ${result.error}`);
  return result.config;
}

let repo: ModelRepoFixture;
let int8: ProgramRun;

beforeAll(async () => {
  repo = withInt8File(makeModelRepo());
  int8 = await runProgram("prod", { ...PROD_REQUIRED, ...INT8, modelRepositoryPath: repo.root });
});

afterAll(() => repo.cleanup());

describe("a prod stack serving the CPU int8 model", () => {
  test("uploads the version's int8 file beside its fp32 file", () => {
    expect(objectKeys(int8)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/distilbert_sst2\/1\/model\.onnx$/),
        expect.stringMatching(new RegExp(`distilbert_sst2/1/${MODEL_INT8_FILE.replace(".", "\\.")}$`)),
      ]),
    );
  });

  test("serves the int8 file on CPU instances through the config uploaded as config.pbtxt, which Triton's parser accepts", () => {
    const config = parsedByTriton(uploadedConfig(int8));
    expect(config.default_model_filename).toBe(MODEL_INT8_FILE);
    expect(config.instance_group?.map((g) => g.kind)).toEqual(["KIND_CPU"]);
    expect(config.optimization).toBeUndefined();
  });

  test("Triton's pods ask for no GPU", async () => {
    const container = (await outputValue(tritonDeployment(int8).inputs.spec.template.spec.containers))[0];
    expect(JSON.stringify(container.resources)).not.toContain("nvidia.com/gpu");
  });

  test("Triton's pods neither tolerate the GPU taint nor require GPU nodes: they land on the CPU pool", async () => {
    const spec = await outputValue(tritonDeployment(int8).inputs.spec.template.spec);
    expect(spec.tolerations ?? []).not.toContainEqual(expect.objectContaining({ key: GPU_TAINT.key }));
    expect(JSON.stringify(spec.affinity ?? {})).not.toContain("nvidia.com/gpu");
    expect(spec.nodeSelector).toEqual(CPU_POOL_SELECTOR);
  });

  test("a rollout starts the new pod before stopping an old one (no free GPU needed)", async () => {
    const strategy = await outputValue(tritonDeployment(int8).inputs.spec.strategy);
    expect(strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });
});

test("the GPU variant keeps Triton on the GPU pool with one GPU per pod", async () => {
  const gpuRepo = makeModelRepo();
  try {
    const gpu = await runProgram("prod", { ...PROD_REQUIRED, modelRepositoryPath: gpuRepo.root });
    const spec = await outputValue(tritonDeployment(gpu).inputs.spec.template.spec);
    expect(spec.tolerations).toContainEqual(expect.objectContaining({ key: GPU_TAINT.key }));
    expect(spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(spec.nodeSelector).toBeUndefined();
  } finally {
    gpuRepo.cleanup();
  }
});

test("a stack selecting cpu-int8 for a version without the int8 file stops before planning, with one line naming the file", () => {
  // index.ts runs this check before it renders or uploads anything.
  const bare = makeModelRepo();
  try {
    const settings = {
      modelName: "distilbert_sst2",
      modelVersion: "1",
      maxBatchSize: 16,
      tensorrtFp16: false,
    };
    let message = "";
    try {
      requireVariantModelFile(bare.root, { ...settings, modelVariant: "cpu-int8" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(
      new RegExp(
        `^tritonModelVariant cpu-int8 serves ${bare.root}/distilbert_sst2/1/model\\.int8\\.onnx, which does not exist; .*tritonModelVariant gpu$`,
      ),
    );
    expect(message).not.toContain("\n");
    expect(() => requireVariantModelFile(bare.root, { ...settings, modelVariant: "gpu" })).not.toThrow();
  } finally {
    bare.cleanup();
  }
});
