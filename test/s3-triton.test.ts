/**
 * The real Triton loads the stack's model repository from S3 with exactly the policy the stack attaches to its
 * role. What the stack uploads, its bucket policy and Triton's role come from a mocked run of index.ts; moto
 * serves them on loopback with IAM enforcement on; Triton runs with the Deployment's arguments and the role's
 * web-identity session. moto checks Action and Resource only (and would apply the TLS-only bucket policy's Deny
 * with its condition ignored, so the bucket policy is not given to it), so every call Triton made is also
 * decided by a real IAM evaluator against the role policy and the bucket policy, conditions included.
 */

import { decideS3Call, distinctCalls, type S3Policies } from "./support/iam-evaluate";
import { REGION } from "./support/pulumi-mocks";
import { type S3IamServer, startS3IamServer } from "./support/s3-iam-server";
import { type S3Triton, startS3Triton } from "./support/s3-triton";
import { type StackS3Layout, stackS3Layout } from "./support/stack-s3-layout";

jest.setTimeout(300_000);

let layout: StackS3Layout;
let s3: S3IamServer;
let triton: S3Triton;
let policies: S3Policies;

beforeAll(async () => {
  layout = await stackS3Layout("dev");
  s3 = await startS3IamServer({
    region: REGION,
    bucket: layout.bucket,
    objects: layout.objects,
    role: layout.tritonRole,
  });
  const config = layout.objects.find((o) => o.key === `${layout.prefix}/${layout.modelName}/config.pbtxt`);
  if (config === undefined || !("content" in config))
    throw new Error("the stack uploads no rendered config.pbtxt");
  triton = await startS3Triton({
    repositoryUri: layout.repositoryUri,
    endpoint: s3.endpoint,
    region: REGION,
    credentials: s3.credentials,
    modelName: layout.modelName,
    modelConfig: config.content,
  });
  policies = {
    principal: `arn:aws:sts::${layout.tritonRole.arn.split(":")[4]}:assumed-role/${layout.tritonRole.name}/triton`,
    identityPolicy: layout.tritonRole.policy,
    bucketPolicy: layout.bucketPolicy,
  };
});

afterAll(async () => {
  await triton?.stop();
  await s3?.stop();
  layout?.cleanup();
});

const bucketArn = () => `arn:aws:s3:::${layout.bucket}`;

test("the S3 server enforces IAM: Triton's role session may not write to the bucket", () => {
  expect(s3.probe).toMatchObject({ action: "s3:PutObject", error: "AccessDenied" });
});

test("Triton loads the model from the bucket with the role's credentials and reports it ready", async () => {
  expect({ status: triton.load.status, body: triton.load.body }).toEqual({ status: 200, body: "" });
  const ready = await fetch(`${triton.url}/v2/models/${layout.modelName}/ready`);
  expect(ready.status).toBe(200);
  expect((await fetch(`${triton.url}/v2/health/ready`)).status).toBe(200);
});

test("the model Triton downloaded answers an inference with two logits", async () => {
  const response = await fetch(`${triton.url}/v2/models/${layout.modelName}/infer`, {
    method: "POST",
    body: JSON.stringify({
      inputs: [
        { name: "input_ids", shape: [1, 4], datatype: "INT64", data: [101, 7592, 2088, 102] },
        { name: "attention_mask", shape: [1, 4], datatype: "INT64", data: [1, 1, 1, 1] },
      ],
    }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { outputs: { name: string; shape: number[] }[] };
  expect(body.outputs).toEqual([expect.objectContaining({ name: "logits", shape: [1, 2] })]);
});

test("Triton read every object the stack uploads for the model", () => {
  const read = s3
    .decisions()
    .filter((d) => d.method === "GET" && d.action === "s3:GetObject")
    .map((d) => d.resource);
  const uploaded = layout.objects.map((o) => `${bucketArn()}/${o.key}`);
  expect(uploaded.length).toBeGreaterThan(0);
  expect(new Set(read)).toEqual(new Set(uploaded));
});

test("Triton opens the bucket with HeadBucket, which S3 authorises as s3:ListBucket with no s3:prefix", () => {
  expect(s3.decisions()[0]).toMatchObject({
    method: "HEAD",
    action: "s3:ListBucket",
    resource: bucketArn(),
    prefix: null,
  });
});

test("AWS's evaluation of the role policy and bucket policy allows every S3 call Triton made over TLS", async () => {
  const calls = distinctCalls(s3.decisions());
  const decided = await Promise.all(
    calls.map(async (call) => ({ ...call, result: await decideS3Call(call, policies) })),
  );
  expect(decided.filter((d) => d.result !== "Allowed")).toEqual([]);
});

test("the bucket policy refuses each of those calls made without TLS", async () => {
  const calls = distinctCalls(s3.decisions());
  const results = await Promise.all(calls.map((call) => decideS3Call(call, policies, "plain")));
  expect(new Set(results)).toEqual(new Set(["ExplicitlyDenied"]));
});

test("the role can neither list nor read outside the model prefix", async () => {
  const none = { prefix: null, delimiter: null };
  const outside = [
    { ...none, action: "s3:ListBucket", resource: bucketArn(), prefix: "" },
    { ...none, action: "s3:ListBucket", resource: bucketArn(), prefix: "other/" },
    { ...none, action: "s3:ListBucket", resource: bucketArn(), prefix: `${layout.prefix}-shadow/` },
    { ...none, action: "s3:GetObject", resource: `${bucketArn()}/other/model.onnx` },
    {
      ...none,
      action: "s3:PutObject",
      resource: `${bucketArn()}/${layout.prefix}/${layout.modelName}/config.pbtxt`,
    },
  ];
  const results = await Promise.all(outside.map((call) => decideS3Call(call, policies)));
  expect(results).toEqual(outside.map(() => "ImplicitlyDenied"));
});
