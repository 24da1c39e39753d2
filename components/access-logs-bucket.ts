/**
 * The bucket WAF and the ALB write their logs to: private (public access blocked, owner-enforced objects),
 * SSE-S3 encrypted (the only encryption ALB log delivery supports), TLS-only, expiring after the configured
 * retention. WAF requires the bucket name to start with "aws-waf-logs-".
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export const WAF_LOG_BUCKET_PREFIX = "aws-waf-logs-";
/** Key prefixes per writer, so each can be read and expired on its own. */
export const ACCESS_LOG_PREFIXES = { alb: "alb", waf: "waf" } as const;

export interface AccessLogsBucketArgs {
  retentionDays: number;
  deletionProtection: boolean;
  tags: Record<string, string>;
}

export class AccessLogsBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: AccessLogsBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:AccessLogsBucket", name, {}, opts);
    const parent = { parent: this };
    const { tags } = args;
    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucketPrefix: WAF_LOG_BUCKET_PREFIX, forceDestroy: !args.deletionProtection, tags },
      { parent: this, protect: args.deletionProtection, retainOnDelete: args.deletionProtection },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
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
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-retention`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-access-logs",
            status: "Enabled",
            filter: {},
            expiration: { days: args.retentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      parent,
    );

    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    // ALB delivers as the region's Elastic Load Balancing account; WAF as the log delivery service.
    const elbAccount = aws.elb.getServiceAccountOutput({}, parent).arn;
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, account, elbAccount]).apply(([arn, accountId, elbArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
              {
                Sid: "AlbAccessLogs",
                Effect: "Allow",
                Principal: { AWS: elbArn },
                Action: "s3:PutObject",
                Resource: `${arn}/${ACCESS_LOG_PREFIXES.alb}/AWSLogs/${accountId}/*`,
              },
              {
                Sid: "WafLogDelivery",
                Effect: "Allow",
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${arn}/AWSLogs/${accountId}/*`,
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
              },
              {
                Sid: "WafLogDeliveryAclCheck",
                Effect: "Allow",
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: "s3:GetBucketAcl",
                Resource: arn,
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
              },
            ],
          }),
        ),
      },
      { parent: this, dependsOn: [publicAccessBlock] },
    );
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
