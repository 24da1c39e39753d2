/** Data at rest: S3 (encryption, no public access, TLS only), KMS rotation, ECR, log retention. */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PROD_MIN_ACCESS_LOG_DAYS } from "../components/config/edge-protection";
import { isProd, isProdStack, known, type Props, referencing } from "./resources";

const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_TYPES = [BUCKET, "aws:s3/bucketV2:BucketV2"];
/** Retention of audit evidence (flow logs, control-plane logs, access logs) in prod, in days. */
export const PROD_MIN_LOG_RETENTION_DAYS = PROD_MIN_ACCESS_LOG_DAYS;

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

const buckets = (resources: readonly PolicyResource[]) =>
  resources.filter((r) => BUCKET_TYPES.includes(r.type));

export const s3Encryption: StackValidationPolicy = {
  name: "s3-encryption-at-rest",
  description: "Every S3 bucket has default server-side encryption (SSE-S3 or SSE-KMS).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    for (const bucket of buckets(resources)) {
      const inline = bucket.props.serverSideEncryptionConfiguration?.rule?.applyServerSideEncryptionByDefault;
      const configs = referencing(
        resources,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "bucket",
        bucket,
      );
      const encrypted =
        known(inline?.sseAlgorithm) ||
        configs.some((c) =>
          (c.props.rules ?? []).some((r: Props) =>
            ["AES256", "aws:kms", "aws:kms:dsse"].includes(
              r.applyServerSideEncryptionByDefault?.sseAlgorithm,
            ),
          ),
        );
      if (!encrypted)
        report(
          `bucket ${bucket.name} has no default encryption: add a BucketServerSideEncryptionConfiguration`,
          bucket.urn,
        );
    }
  },
};

export const s3NoPublicAccess: StackValidationPolicy = {
  name: "s3-no-public-access",
  description:
    "Every S3 bucket blocks public ACLs and policies, and no bucket or object is given a public ACL.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    for (const bucket of buckets(resources)) {
      const blocks = referencing(
        resources,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "bucket",
        bucket,
      );
      const complete = blocks.some(
        (b) =>
          b.props.blockPublicAcls === true &&
          b.props.blockPublicPolicy === true &&
          b.props.ignorePublicAcls === true &&
          b.props.restrictPublicBuckets === true,
      );
      if (!complete)
        report(
          `bucket ${bucket.name} lacks a BucketPublicAccessBlock with all four settings true`,
          bucket.urn,
        );
    }
    for (const r of resources) {
      const grants: Props[] = r.props.accessControlPolicy?.grants ?? [];
      const publicGrant = grants.some((g) => /AllUsers|AuthenticatedUsers/.test(g.grantee?.uri ?? ""));
      if (PUBLIC_ACLS.includes(r.props.acl) || publicGrant)
        report(`${r.type} ${r.name} grants a public ACL`, r.urn);
    }
  },
};

/** Whether a bucket policy document denies every S3 action over plain HTTP to everyone. */
export function deniesInsecureTransport(policy: unknown): boolean {
  const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
  const statements: Props[] = [doc?.Statement ?? []].flat();
  return statements.some((s) => {
    const principal = s.Principal === "*" || s.Principal?.AWS === "*";
    const actions = [s.Action].flat();
    return (
      s.Effect === "Deny" &&
      principal &&
      actions.includes("s3:*") &&
      String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false"
    );
  });
}

export const s3TlsOnly: StackValidationPolicy = {
  name: "s3-tls-only",
  description:
    "Every S3 bucket has a bucket policy denying all access without TLS (aws:SecureTransport false).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    for (const bucket of buckets(resources)) {
      const policies = referencing(resources, "aws:s3/bucketPolicy:BucketPolicy", "bucket", bucket);
      // In a preview the document may still be unknown (it names the bucket's ARN): then its presence counts.
      const ok = policies.some((p) => !known(p.props.policy) || deniesInsecureTransport(p.props.policy));
      if (!ok)
        report(`bucket ${bucket.name} has no bucket policy denying aws:SecureTransport=false`, bucket.urn);
    }
  },
};

export const kmsRotation: ResourceValidationPolicy = {
  name: "kms-key-rotation",
  description: "Customer-managed KMS keys rotate yearly.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, report) => {
    if (type === "aws:kms/key:Key" && props.enableKeyRotation !== true)
      report("KMS key without enableKeyRotation: true");
  },
};

export const ecrScanAndImmutableTags: ResourceValidationPolicy = {
  name: "ecr-scan-on-push-immutable-tags",
  description: "ECR repositories scan images on push and refuse tag overwrites.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, report) => {
    if (type !== "aws:ecr/repository:Repository") return;
    if (props.imageScanningConfiguration?.scanOnPush !== true)
      report("ECR repository without imageScanningConfiguration.scanOnPush: true");
    if (props.imageTagMutability !== "IMMUTABLE")
      report(`ECR repository tags must be IMMUTABLE, got ${props.imageTagMutability ?? "MUTABLE (default)"}`);
  },
};

export const logRetention: ResourceValidationPolicy = {
  name: "log-retention",
  description: `CloudWatch log groups expire (never kept forever by accident) and keep >= ${PROD_MIN_LOG_RETENTION_DAYS} days in prod; CloudWatch encrypts them at rest.`,
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, report) => {
    if (type !== "aws:cloudwatch/logGroup:LogGroup") return;
    const days = props.retentionInDays;
    if (typeof days !== "number" || days <= 0) report("log group without retentionInDays");
    else if (isProd(props) && days < PROD_MIN_LOG_RETENTION_DAYS)
      report(`log group keeps ${days} days; prod requires >= ${PROD_MIN_LOG_RETENTION_DAYS}`);
  },
};

export const s3LogRetention: StackValidationPolicy = {
  name: "s3-log-bucket-retention",
  description: `Lifecycle rules on buckets never expire objects sooner than ${PROD_MIN_LOG_RETENTION_DAYS} days in prod.`,
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    if (!isProdStack(resources)) return;
    for (const r of resources.filter(
      (x) => x.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    )) {
      for (const rule of r.props.rules ?? []) {
        const days = rule.expiration?.days;
        if (rule.status === "Enabled" && typeof days === "number" && days < PROD_MIN_LOG_RETENTION_DAYS)
          report(
            `lifecycle rule ${rule.id} expires objects after ${days} days; prod requires >= ${PROD_MIN_LOG_RETENTION_DAYS}`,
            r.urn,
          );
      }
    }
  },
};
