/**
 * The bucket WAF and the ALB write their logs to: hardened like every bucket of the stack (hardened-bucket.ts:
 * private, owner-enforced objects, SSE-S3, which is the only encryption ALB log delivery supports, TLS-only),
 * unversioned, writable by the two log deliveries only, and expiring after the configured retention. WAF requires the bucket name to start with "aws-waf-logs-".
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { hardenedBucket } from "./hardened-bucket";

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
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    // ALB delivers as the region's Elastic Load Balancing account; WAF as the log delivery service.
    const elbAccount = aws.elb.getServiceAccountOutput({}, parent).arn;
    const { bucket } = hardenedBucket(
      name,
      {
        bucketPrefix: WAF_LOG_BUCKET_PREFIX,
        deletionProtection: args.deletionProtection,
        versioned: false,
        policyName: "policy",
        extraStatements: (bucketArn) =>
          pulumi.all([bucketArn, account, elbAccount]).apply(([arn, accountId, elbArn]) => [
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
          ]),
        tags: args.tags,
      },
      this,
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
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
