/**
 * What the stack puts in S3 and grants Triton, read from a mocked run of the whole program (index.ts): the
 * uploaded objects with their keys and sources, the bucket policy, Triton's role (trust policy and the policy
 * attached to it) and the `--model-repository` URI Triton is given. Tests replay these against real servers.
 *
 * The program uploads the checkout's model repository folder; this runs it on a copy that also holds the tiny
 * synthetic model.onnx (the checkout's is generated, and its real weights are large).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CHECKOUT_MODEL_REPOSITORY,
  MODEL_FILE,
  MODEL_INFO_FILE,
  SERVED_MODEL_NAME,
  SERVED_MODEL_VERSION,
  versionDirectory,
} from "../../gateway/src/inference/repository-layout";
import { tinyModelRepository } from "../../gateway/test/support/synthetic-model";
import { outputValue, parsePolicy } from "./pulumi-mocks";
import type { S3Object } from "./s3-iam-server";
import { runProgram } from "./stacks";

const BUCKET = "aws:s3/bucket:Bucket";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

// biome-ignore lint/suspicious/noExplicitAny: IAM documents are free-form JSON
type PolicyJson = any;

export interface StackS3Layout {
  bucket: string;
  /** Key prefix Triton's repository URI names. */
  prefix: string;
  /** s3://<bucket>/<prefix>, as the Deployment passes it to --model-repository. */
  repositoryUri: string;
  objects: S3Object[];
  bucketPolicy: PolicyJson;
  tritonRole: { name: string; arn: string; trustPolicy: PolicyJson; policyName: string; policy: PolicyJson };
  modelName: string;
  cleanup(): void;
}

/** The checkout's repository folder with the tiny synthetic model in the served version. */
function repositoryWithTinyModel(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-s3-layout-"));
  fs.cpSync(CHECKOUT_MODEL_REPOSITORY, root, { recursive: true });
  const tiny = versionDirectory(tinyModelRepository(), SERVED_MODEL_NAME, SERVED_MODEL_VERSION);
  const served = versionDirectory(root, SERVED_MODEL_NAME, SERVED_MODEL_VERSION);
  for (const file of [MODEL_FILE, MODEL_INFO_FILE])
    fs.copyFileSync(path.join(tiny, file), path.join(served, file));
  return root;
}

async function objectSource(key: string, inputs: Record<string, PolicyJson>): Promise<S3Object> {
  if (typeof inputs.content === "string") return { key, content: inputs.content };
  // A FileAsset reaches the mock engine as the asset object, its path still a promise.
  const file = await inputs.source?.path;
  if (typeof file !== "string") {
    throw new Error(`object ${key} has neither content nor a file source: ${JSON.stringify(inputs.source)}`);
  }
  return { key, file };
}

export async function stackS3Layout(stack: "dev" | "prod" = "dev"): Promise<StackS3Layout> {
  const repository = repositoryWithTinyModel();
  const { mocked, outputs } = await runProgram(stack, { modelRepositoryPath: repository });
  const repositoryUri = await outputValue<string>(outputs.modelRepositoryUri);
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(repositoryUri);
  if (!match) throw new Error(`modelRepositoryUri ${repositoryUri} is not s3://<bucket>/<prefix>`);
  const [, bucket, prefix] = match as unknown as [string, string, string];
  if (mocked.one(BUCKET, "model-repository").state.bucket !== bucket)
    throw new Error(`the repository URI names another bucket`);

  const tritonRoleArn = await outputValue<string>(outputs.tritonRoleArn);
  const role = mocked.byType(ROLE).find((r) => r.state.arn === tritonRoleArn);
  if (!role) throw new Error(`no role has the exported tritonRoleArn ${tritonRoleArn}`);
  const attached = mocked.byType(ROLE_POLICY).filter((p) => p.inputs.role === role.id);
  if (attached.length !== 1)
    throw new Error(`expected one inline policy on Triton's role, found ${attached.length}`);
  const rolePolicy = attached[0] as (typeof attached)[number];

  return {
    bucket,
    prefix,
    repositoryUri,
    objects: await Promise.all(mocked.byType(OBJECT).map((o) => objectSource(o.inputs.key, o.inputs))),
    bucketPolicy: parsePolicy(mocked.one(BUCKET_POLICY, "model-repository").inputs.policy),
    tritonRole: {
      name: role.state.name,
      arn: tritonRoleArn,
      trustPolicy: parsePolicy(role.inputs.assumeRolePolicy),
      policyName: rolePolicy.name,
      policy: parsePolicy(rolePolicy.inputs.policy),
    },
    modelName: SERVED_MODEL_NAME,
    cleanup: () => fs.rmSync(repository, { recursive: true, force: true }),
  };
}
