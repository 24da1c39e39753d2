/**
 * AWS WAF in front of the gateway's ALB: AWS managed rule groups (common rule set, known bad inputs, IP
 * reputation) and a per-source-IP rate limit, with its logs in the access-logs bucket. The ALB itself is made
 * by the AWS Load Balancer Controller, so the association is an Ingress annotation (albAnnotations), as are
 * the ALB's access logs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_LOG_PREFIXES, AccessLogsBucket } from "./access-logs-bucket";
import type { EdgeProtectionConfig } from "./config/edge-protection";

/** Managed rule groups, in evaluation order after the rate limit. */
export const MANAGED_RULE_GROUPS = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesCommonRuleSet",
] as const;

/** Headers WAF must never write to its logs: bearer tokens and cookies. */
export const REDACTED_HEADERS = ["authorization", "cookie"] as const;

/** The ALB's web ACL and access-log destination, as Ingress annotations carry them (components/ingress.ts). */
export interface AlbEdgeSettings {
  webAclArn: string;
  accessLogsBucket: string;
  accessLogsPrefix: string;
}

export interface EdgeProtectionArgs {
  config: EdgeProtectionConfig;
  clusterName: string;
  deletionProtection: boolean;
  tags: Record<string, string>;
}

const visibility = (metricName: string) => ({
  cloudwatchMetricsEnabled: true,
  sampledRequestsEnabled: false,
  metricName,
});

export class EdgeProtection extends pulumi.ComponentResource {
  readonly webAclArn: pulumi.Output<string>;
  readonly accessLogsBucketName: pulumi.Output<string>;

  constructor(name: string, args: EdgeProtectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:EdgeProtection", name, {}, opts);
    const logs = new AccessLogsBucket(
      `${name}-logs`,
      {
        retentionDays: args.config.accessLogRetentionDays,
        deletionProtection: args.deletionProtection,
        tags: args.tags,
      },
      { parent: this },
    );
    const acl = new aws.wafv2.WebAcl(
      `${name}-acl`,
      {
        name: `${args.clusterName}-gateway`,
        description: "Gateway ALB: rate limit per source IP, AWS managed rule groups",
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        rules: [
          {
            name: "rate-limit-per-ip",
            priority: 0,
            action: { block: {} },
            statement: {
              rateBasedStatement: { limit: args.config.wafRateLimitPer5Minutes, aggregateKeyType: "IP" },
            },
            visibilityConfig: visibility("rate-limit-per-ip"),
          },
          ...MANAGED_RULE_GROUPS.map((group, i) => ({
            name: group,
            priority: i + 1,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
            visibilityConfig: visibility(group),
          })),
        ],
        visibilityConfig: visibility(`${args.clusterName}-gateway`),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-logging`,
      {
        resourceArn: acl.arn,
        logDestinationConfigs: [logs.bucketArn],
        redactedFields: REDACTED_HEADERS.map((header) => ({ singleHeader: { name: header } })),
      },
      { parent: this },
    );
    this.webAclArn = acl.arn;
    this.accessLogsBucketName = logs.bucketName;
    this.registerOutputs({ webAclArn: this.webAclArn, accessLogsBucketName: this.accessLogsBucketName });
  }

  /** What the gateway Ingress tells the ALB controller: attach this ACL, write access logs to the bucket. */
  albEdge(): pulumi.Output<AlbEdgeSettings> {
    return pulumi.all([this.webAclArn, this.accessLogsBucketName]).apply(([webAclArn, accessLogsBucket]) => ({
      webAclArn,
      accessLogsBucket,
      accessLogsPrefix: ACCESS_LOG_PREFIXES.alb,
    }));
  }
}
