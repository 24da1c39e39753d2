/**
 * The whole program (index.ts) under the Pulumi mock engine for the committed dev and prod stack files: the
 * model repository bucket and its upload, the gateway image registry, the component structure of the stack,
 * and the stack outputs. Each test proves one property and would fail if it were removed.
 */
import { createHash } from "node:crypto";
import { runDevAndProd } from "./support/dev-and-prod";
import {
  isSecretOutput,
  OIDC_ISSUER_HOST,
  OIDC_PROVIDER_ARN,
  outputValue,
  parsePolicy,
} from "./support/pulumi-mocks";
import type { ProgramRun } from "./support/stacks";

const BUCKET = "aws:s3/bucket:Bucket";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const ROLE = "aws:iam/role:Role";
const ECR_REPO = "aws:ecr/repository:Repository";

let dev: ProgramRun;
let prod: ProgramRun;
let cleanup: (() => void) | undefined;

beforeAll(async () => {
  ({ dev, prod, cleanup } = await runDevAndProd());
});

afterAll(() => cleanup?.());

describe("model repository", () => {
  test("versions every object so a bad model push can be rolled back", () => {
    const versioning = prod.mocked.one("aws:s3/bucketVersioning:BucketVersioning");
    expect(versioning.inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    expect(versioning.inputs.bucket).toBe(prod.mocked.one(BUCKET, "model-repository").id);
  });

  test("encrypts objects at rest by default", () => {
    const sse = prod.mocked.one(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "model-repository",
    );
    expect(sse.inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
  });

  test("blocks every form of public access", () => {
    const block = prod.mocked.one(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "model-repository",
    );
    expect(block.inputs).toEqual({
      bucket: prod.mocked.one(BUCKET, "model-repository").id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  test("disables ACLs so the bucket policy is the only access control", () => {
    expect(
      prod.mocked.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "model-repository").inputs
        .rule,
    ).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  test("uploads one object per model file under the configured prefix", () => {
    const keys = prod.mocked.byType(OBJECT).map((o) => o.inputs.key);
    expect(keys.sort()).toEqual([
      "models/distilbert_sst2/1/model.onnx",
      "models/distilbert_sst2/1/tokenizer.json",
      "models/distilbert_sst2/config.pbtxt",
    ]);
  });

  test("does not upload tooling, source code or documentation", () => {
    const keys = prod.mocked.byType(OBJECT).map((o) => o.inputs.key);
    expect(keys.filter((k) => /tools\/|\.ts$|\.md$|\.py$/.test(k))).toEqual([]);
  });

  test("ties each object to its file's content hash so a changed model file changes the stack", () => {
    const onnx = prod.mocked.byType(OBJECT).find((o) => o.inputs.key.endsWith("model.onnx"));
    expect(onnx?.inputs.sourceHash).toBe(
      createHash("sha256")
        .update(Buffer.from([8, 7, 18, 4]))
        .digest("hex"),
    );
  });

  test("Triton's role trusts only the triton service account of the cluster's OIDC provider", () => {
    const trust = parsePolicy(prod.mocked.one(ROLE, "model-repository-triton").inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: OIDC_PROVIDER_ARN },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${OIDC_ISSUER_HOST}:sub`]: "system:serviceaccount:triton:triton",
            [`${OIDC_ISSUER_HOST}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ]);
  });

  test("prod refuses to destroy the bucket or delete it with the stack", () => {
    const bucket = prod.mocked.one(BUCKET, "model-repository");
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(bucket.options.protect).toBe(true);
    expect(bucket.options.retainOnDelete).toBe(true);
  });

  test("dev lets the bucket be destroyed with its contents", () => {
    const bucket = dev.mocked.one(BUCKET, "model-repository");
    expect(bucket.inputs.forceDestroy).toBe(true);
    expect(bucket.options.protect).toBe(false);
  });

  test("dev deploys without an exported model.onnx and uploads the other files", () => {
    const keys = dev.mocked.byType(OBJECT).map((o) => o.inputs.key);
    expect(keys.sort()).toEqual([
      "models/distilbert_sst2/1/tokenizer.json",
      "models/distilbert_sst2/config.pbtxt",
    ]);
  });
});

describe("image registry", () => {
  test("scans every pushed image for vulnerabilities", () => {
    expect(prod.mocked.one(ECR_REPO).inputs.imageScanningConfiguration).toEqual({ scanOnPush: true });
  });

  test("makes tags immutable so a tag always names the reviewed build", () => {
    expect(prod.mocked.one(ECR_REPO).inputs.imageTagMutability).toBe("IMMUTABLE");
  });

  test("encrypts images with KMS", () => {
    expect(prod.mocked.one(ECR_REPO).inputs.encryptionConfigurations).toEqual([{ encryptionType: "KMS" }]);
  });

  test("expires untagged images and keeps only the newest tagged ones", () => {
    const lifecycle = prod.mocked.one("aws:ecr/lifecyclePolicy:LifecyclePolicy");
    expect(lifecycle.inputs.repository).toBe(prod.mocked.one(ECR_REPO).state.name);
    const rules = parsePolicy(lifecycle.inputs.policy).rules;
    expect(rules.map((r: { selection: unknown }) => r.selection)).toEqual([
      { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
      { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 30 },
    ]);
  });

  test("prod refuses to delete the repository while it holds images", () => {
    const repo = prod.mocked.one(ECR_REPO);
    expect(repo.inputs.forceDelete).toBe(false);
    expect(repo.options.protect).toBe(true);
  });
});

describe("structure", () => {
  test("every cloud resource belongs to one of the stack's components", () => {
    const componentUrns = new Set(
      prod.mocked.resources.filter((r) => r.type.startsWith("clinical:")).map((r) => r.urn),
    );
    // The stack's reference to its own last outputs (components/deployed-state.ts) is no cloud resource.
    const orphans = prod.mocked.resources
      .filter((r) => !r.type.startsWith("clinical:") && r.type !== "pulumi:pulumi:StackReference")
      .filter((r) => !componentUrns.has(r.options.parent))
      .map((r) => `${r.type} ${r.name}`);
    expect(orphans).toEqual([]);
  });
});

describe("stack outputs", () => {
  test("clusterName is the configured cluster name", async () => {
    expect(await outputValue(prod.outputs.clusterName)).toBe("clinical-inference-prod");
  });

  test("kubeconfig is a secret", async () => {
    expect(await isSecretOutput(prod.outputs.kubeconfig)).toBe(true);
  });

  test("kubeconfig authenticates with a short-lived token from the AWS CLI", async () => {
    const kubeconfig = JSON.parse(await outputValue(prod.outputs.kubeconfig));
    expect(kubeconfig.users[0].user.exec.command).toBe("aws");
    expect(kubeconfig.users[0].user.exec.args).toEqual(expect.arrayContaining(["eks", "get-token"]));
  });

  test("oidcProviderArn is the cluster's OIDC provider", async () => {
    expect(await outputValue(prod.outputs.oidcProviderArn)).toBe(OIDC_PROVIDER_ARN);
  });

  test("modelBucketName is the model repository bucket", async () => {
    expect(await outputValue(prod.outputs.modelBucketName)).toBe(
      prod.mocked.one(BUCKET, "model-repository").state.bucket,
    );
  });

  test("modelRepositoryUri points Triton at the bucket prefix", async () => {
    const bucket = prod.mocked.one(BUCKET, "model-repository").state.bucket;
    expect(await outputValue(prod.outputs.modelRepositoryUri)).toBe(`s3://${bucket}/models`);
  });

  test("tritonRoleArn is the IRSA role for Triton", async () => {
    expect(await outputValue(prod.outputs.tritonRoleArn)).toBe(
      prod.mocked.one(ROLE, "model-repository-triton").state.arn,
    );
  });

  test("ecrRepositoryUrl is the stack's own gateway repository", async () => {
    expect(await outputValue(prod.outputs.ecrRepositoryUrl)).toBe(
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/clinical-inference-gateway-prod",
    );
  });

  test("gatewayImage pins the configured tag in the stack's repository", async () => {
    expect(await outputValue(prod.outputs.gatewayImage)).toBe(
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/clinical-inference-gateway-prod:1.4.2",
    );
  });

  test("gatewayImage is absent in dev until a tag is configured", () => {
    expect(dev.outputs.gatewayImage).toBeUndefined();
  });

  test("vpcId is the stack's VPC", async () => {
    expect(await outputValue(prod.outputs.vpcId)).toBe(prod.mocked.one("aws:ec2/vpc:Vpc").id);
  });
});
