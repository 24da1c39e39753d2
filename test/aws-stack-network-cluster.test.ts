/**
 * The whole program (index.ts) under the Pulumi mock engine, once with the committed dev stack file and once
 * with the committed prod stack file (plus the account-specific keys prod requires): the VPC (subnets, NAT,
 * flow logs) and the EKS cluster (access entries, secrets encryption, logs, endpoint, protection). Each test
 * proves one security- or availability-relevant property of the AWS layer and would fail if it were removed.
 *
 * @pulumi/eks resources (Cluster, ManagedNodeGroup) are remote components: we assert the inputs we give them.
 * Everything else is our own resource and is asserted in full.
 */

import { runDevAndProd } from "./support/dev-and-prod";
import { parsePolicy } from "./support/pulumi-mocks";
import { PROD_REQUIRED, type ProgramRun, runProgram } from "./support/stacks";

const CLUSTER = "eks:index:Cluster";
const NODE_GROUP = "eks:index:ManagedNodeGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const KMS_KEY = "aws:kms/key:Key";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

let dev: ProgramRun;
let prod: ProgramRun;
let prodRepositoryPath: string;
let cleanup: (() => void) | undefined;

beforeAll(async () => {
  ({ dev, prod, prodRepositoryPath, cleanup } = await runDevAndProd());
});

afterAll(() => cleanup?.());

describe("network", () => {
  test("dev spreads one public and one private subnet over each of 2 availability zones", () => {
    const subnets = dev.mocked.byType(SUBNET);
    expect(subnets.filter((s) => s.name.includes("public")).map((s) => s.inputs.availabilityZone)).toEqual([
      "us-east-1a",
      "us-east-1b",
    ]);
    expect(subnets.filter((s) => s.name.includes("private")).map((s) => s.inputs.availabilityZone)).toEqual([
      "us-east-1a",
      "us-east-1b",
    ]);
  });

  test("dev routes every private subnet through a single NAT gateway", () => {
    const nats = dev.mocked.byType(NAT);
    expect(nats).toHaveLength(1);
    const privateRoutes = dev.mocked.byType(ROUTE_TABLE).filter((t) => t.name.includes("private"));
    expect(privateRoutes.map((t) => t.inputs.routes[0].natGatewayId)).toEqual([nats[0]?.id, nats[0]?.id]);
  });

  test("prod spreads subnets over 3 availability zones", () => {
    const zones = prod.mocked.byType(SUBNET).filter((s) => s.name.includes("private"));
    expect(zones.map((s) => s.inputs.availabilityZone)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
  });

  test("prod gives each availability zone its own NAT gateway so one zone's outage does not cut off the others", () => {
    const nats = prod.mocked.byType(NAT);
    expect(nats).toHaveLength(3);
    const privateRoutes = prod.mocked.byType(ROUTE_TABLE).filter((t) => t.name.includes("private"));
    expect(privateRoutes.map((t) => t.inputs.routes[0].natGatewayId)).toEqual(nats.map((n) => n.id));
  });

  test("public subnets are tagged for internet-facing load balancers and private subnets for internal ones", () => {
    for (const subnet of prod.mocked.byType(SUBNET)) {
      const tags = subnet.inputs.tags;
      expect(tags["kubernetes.io/cluster/clinical-inference-prod"]).toBe("shared");
      if (subnet.name.includes("public")) expect(tags["kubernetes.io/role/elb"]).toBe("1");
      else expect(tags["kubernetes.io/role/internal-elb"]).toBe("1");
    }
  });

  test("subnets get distinct CIDRs inside the VPC range", () => {
    const cidrs = prod.mocked.byType(SUBNET).map((s) => s.inputs.cidrBlock);
    expect(new Set(cidrs).size).toBe(6);
    for (const cidr of cidrs) expect(cidr).toMatch(/^10\.40\.\d+\.0\/(19|20)$/);
    expect(prod.mocked.one("aws:ec2/vpc:Vpc").inputs.cidrBlock).toBe("10.40.0.0/16");
  });

  test("records all accepted and rejected VPC traffic in flow logs", () => {
    const flowLog = prod.mocked.one("aws:ec2/flowLog:FlowLog");
    const group = prod.mocked.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs");
    expect(flowLog.inputs).toMatchObject({
      vpcId: prod.mocked.one("aws:ec2/vpc:Vpc").id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: group.state.arn,
      iamRoleArn: prod.mocked.one(ROLE, "network-flow-logs").state.arn,
    });
  });

  test("prod keeps flow logs for a year, dev for a month", () => {
    expect(prod.mocked.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs").inputs.retentionInDays).toBe(365);
    expect(dev.mocked.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs").inputs.retentionInDays).toBe(30);
  });

  test("only the VPC flow-logs service, acting for this account, may assume the flow-log role", () => {
    const trust = parsePolicy(prod.mocked.one(ROLE, "network-flow-logs").inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
    ]);
  });

  test("the flow-log role may only write to its own log group", () => {
    const groupArn = prod.mocked.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs").state.arn;
    const policy = parsePolicy(prod.mocked.one(ROLE_POLICY, "network-flow-logs").inputs.policy);
    expect(policy.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [groupArn, `${groupArn}:*`],
      },
    ]);
  });

  test("no subnet hands out public IP addresses automatically", () => {
    expect(prod.mocked.byType(SUBNET).map((s) => s.inputs.mapPublicIpOnLaunch)).toEqual(Array(6).fill(false));
  });
});

describe("cluster", () => {
  test("authenticates with EKS access entries (API mode), not the aws-auth ConfigMap", () => {
    expect(dev.mocked.one(CLUSTER).inputs.authenticationMode).toBe("API");
    expect(prod.mocked.one(CLUSTER).inputs.authenticationMode).toBe("API");
  });

  test("grants cluster-admin to the configured principals through access entries scoped to the cluster", () => {
    expect(prod.mocked.one(CLUSTER).inputs.accessEntries).toEqual({
      "admin-0": {
        principalArn: "arn:aws:iam::123456789012:role/platform-admin",
        accessPolicies: {
          "cluster-admin": {
            policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            accessScope: { type: "cluster" },
          },
        },
      },
    });
  });

  test("skips the default node group so only the declared pools exist", () => {
    expect(prod.mocked.one(CLUSTER).inputs.skipDefaultNodeGroup).toBe(true);
  });

  test("creates an IAM OIDC provider for service-account roles (IRSA)", () => {
    expect(prod.mocked.one(CLUSTER).inputs.createOidcProvider).toBe(true);
  });

  test("encrypts Kubernetes secrets with its own KMS key", () => {
    const key = prod.mocked.one(KMS_KEY, "cluster-secrets");
    expect(prod.mocked.one(CLUSTER).inputs.encryptionConfigKeyArn).toBe(key.state.arn);
  });

  test("rotates the secrets encryption key yearly", () => {
    expect(dev.mocked.one(KMS_KEY, "cluster-secrets").inputs.enableKeyRotation).toBe(true);
  });

  test("lets the control plane use only its own secrets key", () => {
    const policy = parsePolicy(prod.mocked.one(ROLE_POLICY, "cluster-service-secrets-key").inputs.policy);
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0].Resource).toBe(prod.mocked.one(KMS_KEY, "cluster-secrets").state.arn);
    expect(policy.Statement[0].Action).not.toContain("kms:*");
  });

  test("ships all control-plane logs, including the audit log, to CloudWatch", () => {
    expect(prod.mocked.one(CLUSTER).inputs.enabledClusterLogTypes).toEqual(
      expect.arrayContaining(["api", "audit", "authenticator", "controllerManager", "scheduler"]),
    );
  });

  test("keeps control-plane logs for the configured retention in the group EKS writes to", () => {
    const group = prod.mocked.one("aws:cloudwatch/logGroup:LogGroup", "control-plane");
    expect(group.inputs).toMatchObject({
      name: "/aws/eks/clinical-inference-prod/cluster",
      retentionInDays: 365,
    });
    expect(prod.mocked.one(CLUSTER).options.dependencies).toContain(group.urn);
  });

  test("pins the Kubernetes version from config", () => {
    expect(dev.mocked.one(CLUSTER).inputs.version).toBe("1.33");
  });

  test("enables NetworkPolicy enforcement in the VPC CNI", () => {
    expect(prod.mocked.one(CLUSTER).inputs.vpcCniOptions.enableNetworkPolicy).toBe(true);
  });

  test("installs metrics-server, which the gateway's autoscaler reads, once the system node pool exists", () => {
    const metricsServer = prod.mocked.one("aws:eks/addon:Addon", "metrics-server");
    expect(metricsServer.inputs.addonName).toBe("metrics-server");
    expect(metricsServer.options.dependencies).toContain(prod.mocked.one(NODE_GROUP, "system").urn);
  });

  test("installs CoreDNS only after the system node pool exists", () => {
    expect(prod.mocked.one(CLUSTER).inputs.corednsAddonOptions.enabled).toBe(false);
    const coreDns = prod.mocked.one("aws:eks/addon:Addon", "coredns");
    expect(coreDns.inputs.addonName).toBe("coredns");
    expect(coreDns.inputs.clusterName).toBe("clinical-inference-prod");
    expect(coreDns.options.dependencies).toContain(prod.mocked.one(NODE_GROUP, "system").urn);
  });

  test("dev exposes a public API endpoint", () => {
    const inputs = dev.mocked.one(CLUSTER).inputs;
    expect(inputs.endpointPublicAccess).toBe(true);
    expect(inputs.endpointPrivateAccess).toBe(true);
  });

  test("prod keeps the API endpoint private", () => {
    const inputs = prod.mocked.one(CLUSTER).inputs;
    expect(inputs.endpointPublicAccess).toBe(false);
    expect(inputs.endpointPrivateAccess).toBe(true);
    expect(inputs.publicAccessCidrs).toBeUndefined();
  });

  test("prod opens a public endpoint only to the configured CIDRs", async () => {
    const run = await runProgram("prod", {
      ...PROD_REQUIRED,
      modelRepositoryPath: prodRepositoryPath,
      clusterEndpointPublicAccess: true,
      clusterPublicAccessCidrs: ["203.0.113.0/24"],
    });
    const inputs = run.mocked.one(CLUSTER).inputs;
    expect(inputs.endpointPublicAccess).toBe(true);
    expect(inputs.publicAccessCidrs).toEqual(["203.0.113.0/24"]);
  });

  test("prod protects the cluster and its secrets key from deletion", () => {
    const cluster = prod.mocked.one(CLUSTER);
    expect(cluster.inputs.deletionProtection).toBe(true);
    expect(cluster.options.protect).toBe(true);
    const key = prod.mocked.one(KMS_KEY, "cluster-secrets");
    expect(key.options.protect).toBe(true);
    expect(key.options.retainOnDelete).toBe(true);
    expect(key.inputs.deletionWindowInDays).toBe(30);
  });

  test("dev can be torn down without unprotecting anything", () => {
    expect(dev.mocked.one(CLUSTER).options.protect).toBe(false);
    expect(dev.mocked.one(CLUSTER).inputs.deletionProtection).toBe(false);
    expect(dev.mocked.one(KMS_KEY, "cluster-secrets").options.protect).toBe(false);
  });
});
