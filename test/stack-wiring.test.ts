/**
 * How index.ts joins the layers: the Triton model configuration is rendered per stack (batch size, pinned
 * version, TensorRT FP16) and that same text is what S3 serves and what the Triton rollout annotation hashes;
 * the Kubernetes workloads are deployed once a gateway image tag exists, and their outputs are exported.
 */
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

const modelConfigObject = (run: ProgramRun): RecordedResource => {
  const found = run.mocked.byType(OBJECT).find((o) => o.inputs.key.endsWith("distilbert_sst2/config.pbtxt"));
  if (!found) throw new Error("no config.pbtxt object uploaded");
  return found;
};

let dev: ProgramRun;
let prodFp16: ProgramRun;
let devRepo: ModelRepoFixture;
let prodRepo: ModelRepoFixture;

beforeAll(async () => {
  devRepo = makeModelRepo({ withModel: false });
  prodRepo = makeModelRepo();
  dev = await runProgram("dev", { modelRepositoryPath: devRepo.root });
  prodFp16 = await runProgram("prod", {
    ...PROD_REQUIRED,
    modelRepositoryPath: prodRepo.root,
    tensorrtFp16: true,
    maxBatchSize: 8,
  });
});

afterAll(() => {
  devRepo.cleanup();
  prodRepo.cleanup();
});

describe("Triton model configuration", () => {
  test("the uploaded config.pbtxt is rendered by the stack, not copied from the file on disk", () => {
    const object = modelConfigObject(dev);
    expect(object.inputs.source).toBeUndefined();
    expect(object.inputs.content).toContain('name: "distilbert_sst2"');
  });

  test("the stack's maxBatchSize reaches Triton", () => {
    expect(modelConfigObject(prodFp16).inputs.content).toMatch(/^max_batch_size: 8$/m);
  });

  test("tensorrtFp16 turns on TensorRT FP16 in the served configuration", () => {
    const content: string = modelConfigObject(prodFp16).inputs.content;
    expect(content).toContain('name: "tensorrt"');
    expect(content).toMatch(/key: "precision_mode"\s*value: "FP16"/);
  });

  test("without tensorrtFp16 the served configuration has no TensorRT accelerator", () => {
    expect(modelConfigObject(dev).inputs.content).not.toContain("tensorrt");
  });

  test("the served configuration pins the stack's model version", () => {
    expect(modelConfigObject(dev).inputs.content).toMatch(
      /version_policy \{\s*specific \{\s*versions: \[1\]\s*\}/,
    );
  });

  test("the served configuration publishes the hash of the version's tokenizer for the gateway to check", () => {
    expect(modelConfigObject(dev).inputs.content).toContain('key: "tokenizer_sha256"');
  });
});

describe("workloads", () => {
  test("a stack without a gateway image tag deploys the AWS layer only", () => {
    expect(dev.mocked.byType(DEPLOYMENT)).toEqual([]);
    expect(dev.outputs.gatewayUrl).toBeUndefined();
  });

  test("a stack with a gateway image tag deploys the gateway and Triton", () => {
    const names = prodFp16.mocked.byType(DEPLOYMENT).map((d) => d.inputs.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(["gateway", "triton"]));
  });

  test("the gateway runs the configured image from the stack's ECR repository", async () => {
    const gateway = prodFp16.mocked.byType(DEPLOYMENT).find((d) => d.inputs.metadata?.name === "gateway");
    const image = await outputValue(gateway?.inputs.spec.template.spec.containers[0].image);
    expect(image).toMatch(new RegExp(`\\.dkr\\.ecr\\..+:${PROD_REQUIRED.gatewayImageTag}$`));
  });

  test("exports the gateway URL, JWT issuer and JWKS, Triton URL and namespaces", async () => {
    const { outputs } = prodFp16;
    expect(await outputValue(outputs.gatewayUrl)).toMatch(/^https:\/\//);
    expect(await outputValue(outputs.jwtIssuer)).toBeTruthy();
    const jwks = JSON.parse(await outputValue<string>(outputs.jwks)) as { keys: unknown[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(await outputValue(outputs.tritonUrl)).toMatch(/^http:\/\/triton\..+:8000$/);
    expect(await outputValue(outputs.namespaces)).toBeTruthy();
  });
});
