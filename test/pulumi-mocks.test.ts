/**
 * The shared mock harness (test/support/pulumi-mocks.ts) that every Pulumi test relies on: if it stopped
 * recording what the program asks for, the other tests would pass vacuously.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { installPulumiMocks, isSecretOutput, outputValue } from "./support/pulumi-mocks";

test("records each resource's type, name and inputs", async () => {
  const mocked = await installPulumiMocks();
  new aws.kms.Key("key", { enableKeyRotation: true });
  await mocked.settle();
  expect(mocked.one("aws:kms/key:Key")).toMatchObject({
    type: "aws:kms/key:Key",
    name: "key",
    inputs: { enableKeyRotation: true },
  });
});

test("records protect, retainOnDelete, parent and dependsOn", async () => {
  const mocked = await installPulumiMocks();
  const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
  const first = new aws.kms.Key("first", {}, { parent });
  new aws.kms.Key("second", {}, { parent, protect: true, retainOnDelete: true, dependsOn: [first] });
  await mocked.settle();
  const second = mocked.one("aws:kms/key:Key", "second");
  expect(second.options).toMatchObject({
    protect: true,
    retainOnDelete: true,
    parent: mocked.one("test:index:Parent").urn,
  });
  expect(second.options.dependencies).toContain(mocked.one("aws:kms/key:Key", "first").urn);
  expect(mocked.one("aws:kms/key:Key", "first").options.protect).toBe(false);
});

test("exposes the stack's config to pulumi.Config, with secrets marked secret", async () => {
  await installPulumiMocks({
    stack: "prod",
    config: { gpuNodeCount: 2, token: "t0ps3cret" },
    secretKeys: ["token"],
  });
  const config = new pulumi.Config();
  expect(pulumi.getStack()).toBe("prod");
  expect(config.requireNumber("gpuNodeCount")).toBe(2);
  expect(await isSecretOutput(config.requireSecret("token"))).toBe(true);
});

test("fabricates deterministic ARNs that downstream resources can interpolate", async () => {
  const mocked = await installPulumiMocks();
  const role = new aws.iam.Role("reader", { assumeRolePolicy: "{}" });
  await mocked.settle();
  expect(await outputValue(role.arn)).toBe("arn:aws:iam::123456789012:role/reader-mock");
});

test("one() explains what exists when the expected resource is missing", async () => {
  const mocked = await installPulumiMocks();
  new aws.kms.Key("key", {});
  await mocked.settle();
  expect(() => mocked.one("aws:s3/bucket:Bucket")).toThrow(/found 0; registered:\n {2}aws:kms\/key:Key key/);
});
