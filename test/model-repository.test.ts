/**
 * The model repository component on its own, against real files in a temporary directory: what is uploaded,
 * and what happens when the exported model is missing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigReader } from "../components/config/reader";
import { readModelRepository } from "../components/config/storage";
import { listModelFiles, ModelRepository, type ModelRepositoryArgs } from "../components/model-repository";
import {
  CHECKOUT_MODEL_REPOSITORY,
  INT8_REPORT_FILE,
  MODEL_CONFIG_FILE,
  MODEL_FILE,
  MODEL_INFO_FILE,
  MODEL_INT8_FILE,
  PROJECT_ROOT,
  SERVED_MODEL_NAME,
  SERVED_MODEL_VERSION,
  TOKENIZER_FILE,
} from "../gateway/src/inference/repository-layout";
import { variantConfigPath } from "../triton-models/tools/model-config/variants";
import { installPulumiMocks, OIDC_ISSUER_HOST, OIDC_PROVIDER_ARN } from "./support/pulumi-mocks";
import { type ModelRepoFixture, makeModelRepo } from "./support/stacks";

let repo: ModelRepoFixture;

beforeEach(() => {
  repo = makeModelRepo();
});

afterEach(() => {
  repo.cleanup();
  jest.restoreAllMocks();
});

function args(overrides: Partial<ModelRepositoryArgs> = {}): ModelRepositoryArgs {
  return {
    localPath: repo.root,
    bucketPrefix: "models",
    modelName: "distilbert_sst2",
    modelVersion: "1",
    requireModelArtifact: true,
    deletionProtection: false,
    oidcProviderArn: OIDC_PROVIDER_ARN,
    oidcIssuer: OIDC_ISSUER_HOST,
    serviceAccountNamespace: "triton",
    serviceAccountName: "triton",
    tags: {},
    ...overrides,
  };
}

test("lists model files with forward-slash paths relative to the repository root", () => {
  expect(listModelFiles(repo.root).map((f) => f.relativePath)).toEqual([
    "distilbert_sst2/1/model.onnx",
    "distilbert_sst2/1/tokenizer.json",
    "distilbert_sst2/config.pbtxt",
  ]);
});

test("skips hidden files", () => {
  fs.writeFileSync(path.join(repo.root, "distilbert_sst2", ".DS_Store"), "");
  fs.writeFileSync(path.join(repo.root, "distilbert_sst2", "1", ".generator.sha256"), "");
  expect(listModelFiles(repo.root).map((f) => f.relativePath)).not.toEqual(
    expect.arrayContaining([expect.stringMatching(/DS_Store|generator/)]),
  );
});

test("the checkout's repository folder holds only what Triton serves, with one tokenizer", () => {
  const files = listModelFiles(CHECKOUT_MODEL_REPOSITORY)
    .map((f) => f.relativePath)
    // generated, present only after npm start or an export
    .filter(
      (f) =>
        ![MODEL_FILE, MODEL_INT8_FILE, INT8_REPORT_FILE].some((generated) => f.endsWith(`/${generated}`)),
    );
  expect(files).toEqual([
    `${SERVED_MODEL_NAME}/${SERVED_MODEL_VERSION}/${MODEL_INFO_FILE}`,
    `${SERVED_MODEL_NAME}/${SERVED_MODEL_VERSION}/${TOKENIZER_FILE}`,
    `${SERVED_MODEL_NAME}/${MODEL_CONFIG_FILE}`,
    `${SERVED_MODEL_NAME}/${variantConfigPath("cpu-int8")}`,
  ]);
});

test("without modelRepositoryPath the stack uploads the checkout's repository folder", async () => {
  await installPulumiMocks({ stack: "dev" });
  const { localPath } = readModelRepository(new ConfigReader("clinical-inference-platform", "dev"));
  expect(path.resolve(PROJECT_ROOT, localPath)).toBe(CHECKOUT_MODEL_REPOSITORY);
});

test("a new file in the repository becomes a new object", async () => {
  fs.writeFileSync(path.join(repo.root, "distilbert_sst2", "1", "vocab.txt"), "[PAD]\n");
  const mocked = await installPulumiMocks({ stack: "prod" });
  new ModelRepository("models", args());
  await mocked.settle();
  expect(mocked.byType("aws:s3/bucketObjectv2:BucketObjectv2").map((o) => o.inputs.key)).toContain(
    "models/distilbert_sst2/1/vocab.txt",
  );
});

test("uploads each file's own bytes", async () => {
  const mocked = await installPulumiMocks({ stack: "prod" });
  new ModelRepository("models", args());
  await mocked.settle();
  const tokenizer = mocked
    .byType("aws:s3/bucketObjectv2:BucketObjectv2")
    .find((o) => o.inputs.key === "models/distilbert_sst2/1/tokenizer.json");
  expect(await tokenizer?.inputs.source.path).toBe(
    path.join(repo.root, "distilbert_sst2", "1", "tokenizer.json"),
  );
  expect(tokenizer?.inputs.contentType).toBe("application/json");
});

test("refuses to deploy without the exported model when the artifact is required (prod)", async () => {
  fs.rmSync(path.join(repo.root, "distilbert_sst2", "1", "model.onnx"));
  await installPulumiMocks({ stack: "prod" });
  expect(() => new ModelRepository("models", args())).toThrow(
    new RegExp(`model artifact ${repo.root}/distilbert_sst2/1/model\\.onnx does not exist; export the model`),
  );
});

test("refuses to deploy a model version that was never exported (prod)", async () => {
  await installPulumiMocks({ stack: "prod" });
  expect(() => new ModelRepository("models", args({ modelVersion: "2" }))).toThrow(
    /distilbert_sst2\/2\/model\.onnx/,
  );
});

test("warns instead of failing when the artifact is optional (dev)", async () => {
  fs.rmSync(path.join(repo.root, "distilbert_sst2", "1", "model.onnx"));
  const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(async () => {});
  const mocked = await installPulumiMocks({ stack: "dev" });
  new ModelRepository("models", args({ requireModelArtifact: false }));
  await mocked.settle();
  expect(warn).toHaveBeenCalledWith(expect.stringContaining("model.onnx does not exist"), expect.anything());
  expect(mocked.byType("aws:s3/bucketObjectv2:BucketObjectv2")).toHaveLength(2);
});

test("uploads objects only after versioning and encryption are configured", async () => {
  const mocked = await installPulumiMocks({ stack: "prod" });
  new ModelRepository("models", args());
  await mocked.settle();
  const versioning = mocked.one("aws:s3/bucketVersioning:BucketVersioning").urn;
  const encryption = mocked.one(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  ).urn;
  for (const object of mocked.byType("aws:s3/bucketObjectv2:BucketObjectv2")) {
    expect(object.options.dependencies).toEqual(expect.arrayContaining([versioning, encryption]));
  }
});

test("scopes Triton's trust to the configured namespace and service account", async () => {
  const mocked = await installPulumiMocks({ stack: "prod" });
  new ModelRepository(
    "models",
    args({ serviceAccountNamespace: "inference", serviceAccountName: "triton-sa" }),
  );
  await mocked.settle();
  const trust = JSON.parse(mocked.one("aws:iam/role:Role").inputs.assumeRolePolicy);
  expect(trust.Statement[0].Condition.StringEquals[`${OIDC_ISSUER_HOST}:sub`]).toBe(
    "system:serviceaccount:inference:triton-sa",
  );
});

test("refuses to deploy the synthetic test model when a real artifact is required (prod)", async () => {
  fs.writeFileSync(
    path.join(repo.root, "distilbert_sst2", "1", "model-info.json"),
    JSON.stringify({ name: "distilbert_sst2", synthetic: true }),
  );
  await installPulumiMocks({ stack: "prod" });
  expect(() => new ModelRepository("models", args())).toThrow(/model\.onnx is the synthetic test model/);
});

test("deploys an exported model whose model-info.json says it is not synthetic (prod)", async () => {
  fs.writeFileSync(
    path.join(repo.root, "distilbert_sst2", "1", "model-info.json"),
    JSON.stringify({ name: "distilbert_sst2", synthetic: false }),
  );
  const mocked = await installPulumiMocks({ stack: "prod" });
  new ModelRepository("models", args());
  await mocked.settle();
  expect(mocked.byType("aws:s3/bucketObjectv2:BucketObjectv2").map((o) => o.inputs.key)).toContain(
    "models/distilbert_sst2/1/model-info.json",
  );
});

test("serves the synthetic model from dev with a warning", async () => {
  fs.writeFileSync(
    path.join(repo.root, "distilbert_sst2", "1", "model-info.json"),
    JSON.stringify({ name: "distilbert_sst2", synthetic: true }),
  );
  const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(async () => {});
  const mocked = await installPulumiMocks({ stack: "dev" });
  new ModelRepository("models", args({ requireModelArtifact: false }));
  await mocked.settle();
  expect(warn).toHaveBeenCalledWith(expect.stringContaining("synthetic test model"), expect.anything());
});
