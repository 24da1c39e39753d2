/**
 * The S3 hardening every bucket of the stack shares, built once: owner-enforced objects (ACLs disabled),
 * SSE-S3 encryption by default (AES256: the one ALB log delivery supports, and no kms:Decrypt for readers),
 * all four public-access blocks, and a bucket policy that denies any request not made over TLS, placed after
 * the public-access block so S3 never sees the policy on an unblocked bucket. Versioning is the caller's choice.
 *
 * The resources are created under the caller's component with the caller's logical names (`<name>-bucket`,
 * `<name>-ownership`, ...), so moving a bucket onto this builder changes no URN and no input.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface HardenedBucketArgs {
  /** Physical names start with this; S3 appends a unique suffix. */
  bucketPrefix: string;
  /** Protects and retains the bucket; without it the bucket is destroyed with its objects. */
  deletionProtection: boolean;
  /** Object versioning, so a bad overwrite can be rolled back. */
  versioned: boolean;
  /** Logical-name suffix of the bucket policy (`<name>-<suffix>`). */
  policyName: string;
  /** Statements after the TLS-only deny, e.g. log delivery grants; they may depend on other outputs. */
  extraStatements?: (bucketArn: pulumi.Output<string>) => pulumi.Output<object[]>;
  tags: Record<string, string>;
}

export interface HardenedBucket {
  bucket: aws.s3.Bucket;
  ownership: aws.s3.BucketOwnershipControls;
  versioning?: aws.s3.BucketVersioning;
  encryption: aws.s3.BucketServerSideEncryptionConfiguration;
  publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  policy: aws.s3.BucketPolicy;
  /** Ownership, versioning and encryption: what an object written by the stack must wait for. */
  objectSettings: pulumi.Resource[];
}

/** Statement that refuses every S3 action on the bucket and its objects unless the request came over TLS. */
export function denyInsecureTransport(bucketArn: string): object {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export function hardenedBucket(
  name: string,
  args: HardenedBucketArgs,
  owner: pulumi.Resource,
): HardenedBucket {
  const parent = { parent: owner };
  const bucket = new aws.s3.Bucket(
    `${name}-bucket`,
    { bucketPrefix: args.bucketPrefix, forceDestroy: !args.deletionProtection, tags: args.tags },
    { parent: owner, protect: args.deletionProtection, retainOnDelete: args.deletionProtection },
  );
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    parent,
  );
  const versioning = args.versioned
    ? new aws.s3.BucketVersioning(
        `${name}-versioning`,
        { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
        parent,
      )
    : undefined;
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    parent,
  );
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access-block`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    parent,
  );
  const extra = args.extraStatements?.(bucket.arn) ?? pulumi.output<object[]>([]);
  const policy = new aws.s3.BucketPolicy(
    `${name}-${args.policyName}`,
    {
      bucket: bucket.id,
      policy: pulumi
        .all([bucket.arn, extra])
        .apply(([arn, statements]) =>
          JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(arn), ...statements] }),
        ),
    },
    { parent: owner, dependsOn: [publicAccessBlock] },
  );
  const objectSettings = [ownership, ...(versioning ? [versioning] : []), encryption];
  return { bucket, ownership, versioning, encryption, publicAccessBlock, policy, objectSettings };
}
