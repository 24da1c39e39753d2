/**
 * Edge protection: the WAF web ACL in front of the ALB, its logging, the access-logs bucket, the Ingress
 * annotations that attach both to the controller-made ALB, and the retention rule; the bucket is also held to
 * the HIPAA guardrail policies.
 */
import { readEdgeProtection } from "../components/config/edge-protection";
import { ConfigReader } from "../components/config/reader";
import { EdgeProtection, MANAGED_RULE_GROUPS } from "../components/edge-protection";
import { albAnnotations } from "../components/ingress";
import { HIPAA_GUARDRAILS } from "../policy/policies";
import { evaluate, policyResources } from "./support/policy-harness";
import {
  type ConfigValue,
  installPulumiMocks,
  type MockedStack,
  outputValue,
  PROJECT,
  parsePolicy,
} from "./support/pulumi-mocks";

async function deploy(
  stack: "dev" | "prod",
  retentionDays: number,
): Promise<{ mocked: MockedStack; edge: EdgeProtection }> {
  const mocked = await installPulumiMocks({ stack });
  const edge = new EdgeProtection("edge", {
    config: { wafRateLimitPer5Minutes: 1500, accessLogRetentionDays: retentionDays },
    clusterName: "clinical-inference-dev",
    deletionProtection: stack === "prod",
    tags: { project: PROJECT, stack, environment: stack, "managed-by": "pulumi" },
  });
  await mocked.settle();
  return { mocked, edge };
}

describe("WAF web ACL", () => {
  let mocked: MockedStack;
  beforeAll(async () => {
    ({ mocked } = await deploy("dev", 90));
  });

  test("the ACL is regional, allows by default and blocks a source IP above the configured rate first", () => {
    const acl = mocked.one("aws:wafv2/webAcl:WebAcl").inputs;
    expect(acl).toMatchObject({ scope: "REGIONAL", defaultAction: { allow: {} } });
    expect(acl.rules[0]).toMatchObject({
      priority: 0,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: 1500, aggregateKeyType: "IP" } },
    });
  });

  test("the AWS managed common, known-bad-inputs and IP-reputation rule groups follow the rate limit", () => {
    const rules = mocked.one("aws:wafv2/webAcl:WebAcl").inputs.rules.slice(1);
    expect(
      rules.map(
        (r: { statement: { managedRuleGroupStatement: { name: string; vendorName: string } } }) =>
          r.statement.managedRuleGroupStatement,
      ),
    ).toEqual(MANAGED_RULE_GROUPS.map((name) => ({ vendorName: "AWS", name })));
    expect(new Set(MANAGED_RULE_GROUPS)).toEqual(
      new Set([
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
      ]),
    );
  });

  test("WAF logs go to the access-logs bucket with bearer tokens and cookies redacted", () => {
    const logging = mocked.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs;
    const bucket = mocked.one("aws:s3/bucket:Bucket");
    expect(logging.logDestinationConfigs).toEqual([bucket.state.arn]);
    expect(logging.redactedFields).toEqual([
      { singleHeader: { name: "authorization" } },
      { singleHeader: { name: "cookie" } },
    ]);
  });

  test("the bucket's name starts with aws-waf-logs-, which WAF requires of a log destination", () => {
    expect(mocked.one("aws:s3/bucket:Bucket").inputs.bucketPrefix).toBe("aws-waf-logs-");
  });
});

describe("access-logs bucket", () => {
  test("only the ELB log account may write ALB logs, only under alb/AWSLogs/<account>/", async () => {
    const { mocked } = await deploy("dev", 90);
    const doc = parsePolicy(mocked.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
    const alb = doc.Statement.find((s: { Sid: string }) => s.Sid === "AlbAccessLogs");
    expect(alb).toMatchObject({
      Principal: { AWS: "arn:aws:iam::127311923021:root" },
      Action: "s3:PutObject",
    });
    expect(alb.Resource).toMatch(/\/alb\/AWSLogs\/123456789012\/\*$/);
  });

  test("objects expire after the configured retention", async () => {
    const { mocked } = await deploy("prod", 400);
    const lifecycle = mocked.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs;
    expect(lifecycle.rules).toEqual([
      expect.objectContaining({ status: "Enabled", expiration: { days: 400 } }),
    ]);
  });

  test.each(["dev", "prod"] as const)("the %s edge resources pass every guardrail", async (stack) => {
    const { mocked } = await deploy(stack, 365);
    expect(await evaluate(HIPAA_GUARDRAILS, policyResources(mocked.resources))).toEqual([]);
  });

  test("a prod bucket that expires logs before 365 days is reported by the guardrails", async () => {
    const { mocked } = await deploy("prod", 90);
    const violations = await evaluate(HIPAA_GUARDRAILS, policyResources(mocked.resources));
    expect(violations.map((v) => v.policy)).toEqual(["s3-log-bucket-retention"]);
  });
});

describe("the ALB", () => {
  test("the Ingress attaches the web ACL and turns on access logs beside the header hardening", async () => {
    const { edge } = await deploy("dev", 90);
    const settings = await outputValue(edge.albEdge());
    const annotations = albAnnotations({ mode: "http" } as never, "/readyz", settings);
    expect(annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"]).toBe(settings.webAclArn);
    expect(annotations["alb.ingress.kubernetes.io/load-balancer-attributes"]).toBe(
      `routing.http.drop_invalid_header_fields.enabled=true,access_logs.s3.enabled=true,access_logs.s3.bucket=${settings.accessLogsBucket},access_logs.s3.prefix=alb`,
    );
  });
});

describe("edge protection config", () => {
  const read = async (stack: "dev" | "prod", config: Record<string, ConfigValue>) => {
    await installPulumiMocks({ stack, config });
    const c = new ConfigReader(PROJECT, stack);
    const value = readEdgeProtection(c, { project: PROJECT, stack, prod: stack === "prod" });
    return { value, problems: c.problems };
  };

  test("prod keeps access logs for a year by default and refuses less", async () => {
    expect((await read("prod", {})).value.accessLogRetentionDays).toBe(365);
    expect((await read("prod", { accessLogRetentionDays: 90 })).problems).toEqual([
      "clinical-inference-platform:accessLogRetentionDays must be >= 365 in prod (audit evidence), got 90; set it with: pulumi config set accessLogRetentionDays 365 -s prod",
    ]);
  });

  test("a rate limit below WAF's minimum of 100 requests per 5 minutes is refused", async () => {
    expect((await read("dev", { wafRateLimitPer5Minutes: 10 })).problems).toEqual([
      expect.stringContaining("wafRateLimitPer5Minutes must be between 100 and 2000000000, got 10"),
    ]);
  });
});
