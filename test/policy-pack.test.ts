/**
 * The HIPAA guardrail policy pack (policy/) against what the program really registers: the dev and the prod
 * stack pass every policy, and each mutation of a guarded property is reported by the policy that guards it.
 */
import { HIPAA_GUARDRAILS } from "../policy/policies";
import { evaluate, policyResources, type Violation } from "./support/policy-harness";
import type { RecordedResource } from "./support/pulumi-mocks";
import { type ModelRepoFixture, makeModelRepo, PROD_REQUIRED, runProgram } from "./support/stacks";

type Stacks = Record<"dev" | "prod", RecordedResource[]>;
const stacks: Partial<Stacks> = {};
let repo: ModelRepoFixture;

beforeAll(async () => {
  repo = makeModelRepo();
  const modelRepositoryPath = repo.root;
  stacks.dev = (await runProgram("dev", { gatewayImageTag: "1.4.2", modelRepositoryPath })).mocked.resources;
  stacks.prod = (await runProgram("prod", { ...PROD_REQUIRED, modelRepositoryPath })).mocked.resources;
}, 480_000);
afterAll(() => repo.cleanup());

function mutated(stack: keyof Stacks, mutate: (resources: RecordedResource[]) => void): RecordedResource[] {
  // Inputs are JSON-like (resource references included); state is only read, so it is shared.
  const copy = (stacks[stack] as RecordedResource[]).map((r) => ({
    ...r,
    inputs: JSON.parse(JSON.stringify(r.inputs)),
  }));
  mutate(copy);
  return copy;
}

function find(resources: RecordedResource[], type: string, nameContains = ""): RecordedResource {
  const found = resources.find((r) => r.type === type && r.name.includes(nameContains));
  if (!found) throw new Error(`no ${type} named *${nameContains}*`);
  return found;
}

const run = async (resources: RecordedResource[]): Promise<Violation[]> =>
  evaluate(HIPAA_GUARDRAILS, policyResources(resources));

test.each(["dev", "prod"] as const)("the %s stack passes every guardrail", async (stack) => {
  expect(await run(stacks[stack] as RecordedResource[])).toEqual([]);
});

const BUCKET = "aws:s3/bucket:Bucket";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const EKS = "eks:index:Cluster";
const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

interface Mutation {
  title: string;
  stack: keyof Stacks;
  policy: string;
  mutate(resources: RecordedResource[]): void;
}

const MUTATIONS: Mutation[] = [
  {
    title: "a bucket without default encryption",
    stack: "dev",
    policy: "s3-encryption-at-rest",
    mutate: (rs) => {
      const i = rs.findIndex((r) => r.type.endsWith("BucketServerSideEncryptionConfiguration"));
      rs.splice(i, 1);
    },
  },
  {
    title: "a public access block that allows public policies",
    stack: "dev",
    policy: "s3-no-public-access",
    mutate: (rs) => {
      find(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs.blockPublicPolicy = false;
    },
  },
  {
    title: "a bucket with a public-read ACL",
    stack: "prod",
    policy: "s3-no-public-access",
    mutate: (rs) => {
      find(rs, BUCKET).inputs.acl = "public-read";
    },
  },
  {
    title: "a bucket policy without the TLS-only deny",
    stack: "prod",
    policy: "s3-tls-only",
    mutate: (rs) => {
      const policy = find(rs, "aws:s3/bucketPolicy:BucketPolicy");
      const doc = JSON.parse(policy.inputs.policy);
      doc.Statement = doc.Statement.filter((s: { Effect: string }) => s.Effect !== "Deny");
      policy.inputs.policy = JSON.stringify(doc);
    },
  },
  {
    title: "a KMS key that does not rotate",
    stack: "prod",
    policy: "kms-key-rotation",
    mutate: (rs) => {
      find(rs, "aws:kms/key:Key").inputs.enableKeyRotation = false;
    },
  },
  {
    title: "an ECR repository with mutable tags",
    stack: "dev",
    policy: "ecr-scan-on-push-immutable-tags",
    mutate: (rs) => {
      find(rs, "aws:ecr/repository:Repository").inputs.imageTagMutability = "MUTABLE";
    },
  },
  {
    title: "an ECR repository that does not scan on push",
    stack: "dev",
    policy: "ecr-scan-on-push-immutable-tags",
    mutate: (rs) => {
      find(rs, "aws:ecr/repository:Repository").inputs.imageScanningConfiguration = { scanOnPush: false };
    },
  },
  {
    title: "a log group kept for 30 days in prod",
    stack: "prod",
    policy: "log-retention",
    mutate: (rs) => {
      find(rs, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays = 30;
    },
  },
  {
    title: "a log group that never expires",
    stack: "dev",
    policy: "log-retention",
    mutate: (rs) => {
      delete find(rs, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays;
    },
  },
  {
    title: "a launch template that allows IMDSv1",
    stack: "dev",
    policy: "imdsv2-required",
    mutate: (rs) => {
      find(rs, LAUNCH_TEMPLATE, "gpu").inputs.metadataOptions.httpTokens = "optional";
    },
  },
  {
    title: "a launch template with an unencrypted root volume",
    stack: "prod",
    policy: "ebs-encryption-at-rest",
    mutate: (rs) => {
      find(rs, LAUNCH_TEMPLATE, "system").inputs.blockDeviceMappings[0].ebs.encrypted = "false";
    },
  },
  {
    title: "an EKS cluster without secrets encryption",
    stack: "dev",
    policy: "eks-secrets-encryption-audit-private-endpoint",
    mutate: (rs) => {
      delete find(rs, EKS).inputs.encryptionConfigKeyArn;
    },
  },
  {
    title: "an EKS cluster without the audit log",
    stack: "prod",
    policy: "eks-secrets-encryption-audit-private-endpoint",
    mutate: (rs) => {
      const cluster = find(rs, EKS);
      cluster.inputs.enabledClusterLogTypes = cluster.inputs.enabledClusterLogTypes.filter(
        (t: string) => t !== "audit",
      );
    },
  },
  {
    title: "a prod EKS endpoint open to the internet",
    stack: "prod",
    policy: "eks-secrets-encryption-audit-private-endpoint",
    mutate: (rs) => {
      Object.assign(find(rs, EKS).inputs, { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] });
    },
  },
  {
    title: "a PHI namespace without its default-deny ingress policy",
    stack: "dev",
    policy: "phi-namespace-default-deny",
    mutate: (rs) => {
      const i = rs.findIndex(
        (r) => r.type.endsWith("NetworkPolicy") && r.inputs.metadata?.name === "default-deny-ingress",
      );
      rs.splice(i, 1);
    },
  },
  {
    title: "a PHI namespace whose default-deny egress policy allows traffic",
    stack: "prod",
    policy: "phi-namespace-default-deny",
    mutate: (rs) => {
      for (const r of rs.filter(
        (x) => x.type.endsWith("NetworkPolicy") && x.inputs.spec?.policyTypes?.includes("Egress"),
      ))
        r.inputs.spec.egress = [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }];
    },
  },
  {
    title: "a Triton Service of type LoadBalancer",
    stack: "dev",
    policy: "no-loadbalancer-nodeport-in-phi-namespaces",
    mutate: (rs) => {
      find(rs, "kubernetes:core/v1:Service", "triton").inputs.spec.type = "LoadBalancer";
    },
  },
  {
    title: "a Triton pod on the host network",
    stack: "prod",
    policy: "no-privileged-host-path-host-network",
    mutate: (rs) => {
      find(rs, "kubernetes:apps/v1:Deployment", "triton").inputs.spec.template.spec.hostNetwork = true;
    },
  },
  {
    title: "a privileged gateway container",
    stack: "dev",
    policy: "no-privileged-host-path-host-network",
    mutate: (rs) => {
      const spec = find(rs, "kubernetes:apps/v1:Deployment", "gateway").inputs.spec.template.spec;
      spec.containers[0].securityContext = { ...spec.containers[0].securityContext, privileged: true };
    },
  },
  {
    title: "a device plugin mounting more of the host than its socket directory",
    stack: "dev",
    policy: "no-privileged-host-path-host-network",
    mutate: (rs) => {
      const spec = find(rs, "kubernetes:apps/v1:DaemonSet", "nvidia").inputs.spec.template.spec;
      spec.volumes.push({ name: "root", hostPath: { path: "/" } });
    },
  },
  {
    title: "a Karpenter node class that allows IMDSv1",
    stack: "prod",
    policy: "imdsv2-required",
    mutate: (rs) => {
      find(rs, NODE_CLASS).inputs.spec.metadataOptions.httpTokens = "optional";
    },
  },
  {
    title: "a Karpenter node class with an unencrypted root volume",
    stack: "dev",
    policy: "ebs-encryption-at-rest",
    mutate: (rs) => {
      find(rs, NODE_CLASS).inputs.spec.blockDeviceMappings[0].ebs.encrypted = false;
    },
  },
  {
    title: "an access-logs bucket expiring prod logs after 90 days",
    stack: "prod",
    policy: "s3-log-bucket-retention",
    mutate: (rs) => {
      find(
        rs,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      ).inputs.rules[0].expiration.days = 90;
    },
  },
];

test.each(MUTATIONS)("$title is reported by $policy", async ({ stack, policy, mutate }) => {
  const key = (v: Violation) => JSON.stringify(v);
  const before = new Set((await run(stacks[stack] as RecordedResource[])).map(key));
  const added = (await run(mutated(stack, mutate))).filter((v) => !before.has(key(v)));
  expect(added.map((v) => v.policy)).toContain(policy);
  // Only the guarding policy fires: the mutation is not caught by accident.
  expect(new Set(added.map((v) => v.policy))).toEqual(new Set([policy]));
});
