/**
 * Every IAM document the stack writes, for both committed stacks, and the committed ALB controller policies,
 * linted by parliament (duo-labs, with its community auditors). A finding fails the suite unless the allow-list
 * below names it with the reason it is accepted; an allow-list entry that no longer matches anything fails too.
 */
import * as path from "node:path";
import {
  committedIamDocuments,
  type IamDocument,
  type LintFinding,
  lintIamDocuments,
  registeredIamDocuments,
} from "./support/iam-documents";
import { ACCOUNT_ID, type MockOptions, REGION } from "./support/pulumi-mocks";
import { type ModelRepoFixture, makeModelRepo, PROD_REQUIRED, runProgram } from "./support/stacks";
import { mockState } from "./support/workloads-fixture";

jest.setTimeout(240_000);

interface Allowed {
  document: RegExp;
  issue: string;
  detail?: RegExp;
  reason: string;
}

const ALLOWED: Allowed[] = [
  {
    document: / assumeRolePolicy$/,
    issue: "MALFORMED",
    detail: /neither Resource nor NotResource/,
    reason:
      "a trust policy names a Principal and has no Resource; parliament lints every document as an identity policy",
  },
  {
    document: /(alb-controller-role|model-repository-triton|karpenter-controller) assumeRolePolicy$/,
    issue: "UNKNOWN_FEDERATION_SOURCE",
    detail: /:oidc-provider\/oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\//,
    reason:
      "parliament knows a fixed list of identity providers; an EKS cluster's IAM OIDC provider (IRSA) is per cluster",
  },
  {
    document: /alb-controller-policy policy$|aws-load-balancer-controller-v[\d.]+\.json$/,
    issue: "RESOURCE_STAR",
    reason:
      "the AWS Load Balancer Controller's published policy, committed verbatim (components/policies/README.md); " +
      "these actions take no resource ARN or act on load balancers and groups the controller names at run time",
  },
  {
    document: /alb-controller-policy policy$|aws-load-balancer-controller-v[\d.]+\.json$/,
    issue: "UNKNOWN_ACTION",
    detail: /elasticloadbalancing:ModifyIpPools/,
    reason: "in the controller's published policy; newer than the IAM definitions parliament 1.6.4 ships",
  },
  {
    document: /alb-controller-policy policy$|aws-load-balancer-controller-v[\d.]+\.json$/,
    issue: "UNKNOWN_CONDITION_FOR_ACTION",
    detail: /condition elasticloadbalancing:CreateAction for action elasticloadbalancing:AddTags/,
    reason:
      "the published policy allows tagging only while creating (tag-on-create); parliament's data predates the key",
  },
  {
    document: /cluster-service-secrets-key policy$/,
    issue: "PERMISSIONS_MANAGEMENT_ACTIONS",
    reason:
      "EKS envelope encryption needs kms:CreateGrant on the secrets key; the statement is scoped to that one key",
  },
  {
    document: /karpenter-controller policy$/,
    issue: "RESOURCE_MISMATCH",
    detail: /ec2:(RunInstances|CreateFleet)/,
    reason:
      "Karpenter's reference split: RunInstances/CreateFleet on shared images, subnets and security groups in one " +
      "statement, on the instances, volumes and fleets it creates (which must carry this cluster's request tags) in another",
  },
  {
    document: /karpenter-controller policy$/,
    issue: "RESOURCE_MISMATCH",
    detail: /ssm:GetParameter/,
    reason:
      "AWS's public AMI parameters (/aws/service/*) have no account in their ARN; parliament's format expects one",
  },
  {
    document: /karpenter-controller policy$/,
    issue: "PERMISSIONS_MANAGEMENT_ACTIONS",
    reason:
      "Karpenter passes the node role (that one ARN, to EC2 only) and manages instance profiles tagged for this " +
      "cluster and region only (components/karpenter-iam.ts)",
  },
  {
    document: /karpenter-controller policy$/,
    issue: "PRIVILEGE_ESCALATION",
    reason:
      "iam:PassRole with ec2:RunInstances is how Karpenter launches nodes; it may pass only the node role, whose " +
      "policies are the managed node groups' own",
  },
];

/** The real ARN format of log groups, so resource-format checks see what AWS returns (the harness fakes ARNs). */
const realArns: MockOptions["stateFor"] = (resource) => {
  const state = mockState(resource);
  if (resource.type !== "aws:cloudwatch/logGroup:LogGroup") return state;
  const name = typeof resource.inputs.name === "string" ? resource.inputs.name : `${resource.name}-mock`;
  return { ...state, arn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}` };
};

let repo: ModelRepoFixture;
let documents: IamDocument[];
let linted: { name: string; findings: LintFinding[] }[];

beforeAll(async () => {
  repo = makeModelRepo();
  const dev = await runProgram(
    "dev",
    { gatewayImageTag: "0.1.0", modelRepositoryPath: repo.root },
    [],
    realArns,
  );
  const devDocuments = registeredIamDocuments(dev.mocked).map((d) => ({ ...d, name: `dev ${d.name}` }));
  const prod = await runProgram("prod", { ...PROD_REQUIRED, modelRepositoryPath: repo.root }, [], realArns);
  const prodDocuments = registeredIamDocuments(prod.mocked).map((d) => ({ ...d, name: `prod ${d.name}` }));
  documents = [
    ...devDocuments,
    ...prodDocuments,
    ...committedIamDocuments(path.join(__dirname, "..", "components", "policies")),
  ];
  linted = lintIamDocuments(documents);
});

afterAll(() => repo?.cleanup());

const allows = (entry: Allowed, name: string, finding: LintFinding) =>
  entry.document.test(name) &&
  entry.issue === finding.issue &&
  (entry.detail === undefined || entry.detail.test(JSON.stringify(finding.detail)));

test("the lint covers the documents the stack writes for Triton, the ALB controller, flow logs and the bucket", () => {
  const names = documents.map((d) => d.name);
  for (const stack of ["dev", "prod"]) {
    expect(names).toEqual(
      expect.arrayContaining([
        `${stack} aws:iam/role:Role model-repository-triton assumeRolePolicy`,
        `${stack} aws:iam/rolePolicy:RolePolicy model-repository-triton-read policy`,
        `${stack} aws:s3/bucketPolicy:BucketPolicy model-repository-tls-only policy`,
        `${stack} aws:iam/role:Role workloads-alb-controller-role assumeRolePolicy`,
        `${stack} aws:iam/policy:Policy workloads-alb-controller-policy policy`,
        `${stack} aws:iam/role:Role network-flow-logs assumeRolePolicy`,
        `${stack} aws:iam/rolePolicy:RolePolicy network-flow-logs policy`,
      ]),
    );
  }
  expect(names).toEqual(
    expect.arrayContaining([expect.stringMatching(/^policies\/aws-load-balancer-controller-v/)]),
  );
});

test("parliament finds nothing in any IAM document the stack writes beyond the allow-list", () => {
  const unexplained = linted.flatMap(({ name, findings }) =>
    findings
      .filter((finding) => !ALLOWED.some((entry) => allows(entry, name, finding)))
      .map((finding) => ({ name, issue: finding.issue, detail: finding.detail })),
  );
  expect(unexplained).toEqual([]);
});

test("every allow-list entry still matches a finding and gives its reason", () => {
  const unused = ALLOWED.filter(
    (entry) => !linted.some(({ name, findings }) => findings.some((finding) => allows(entry, name, finding))),
  );
  expect(unused).toEqual([]);
  expect(ALLOWED.filter((entry) => entry.reason.length < 40)).toEqual([]);
});

test("parliament reports a policy whose action matches none of its resources", () => {
  const [bad] = lintIamDocuments([
    {
      name: "object read on the bucket ARN",
      document: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::models-bucket" }],
      },
    },
  ]);
  expect(bad?.findings.map((f) => f.issue)).toEqual(["RESOURCE_MISMATCH"]);
});
