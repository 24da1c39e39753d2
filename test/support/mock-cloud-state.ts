/**
 * What the mock engine answers for the fake AWS account: fixed ids (account, region, zones, the EKS OIDC
 * issuer), a deterministic ARN and name for every AWS resource, the state remote components such as
 * @pulumi/eks would return, and provider function results. Kept apart from the engine wiring in
 * pulumi-mocks.ts, which re-exports the constants tests assert against.
 */

export const PROJECT = "clinical-inference-platform";
export const ORGANIZATION = "organization";
export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";
export const AVAILABILITY_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];
export const OIDC_ISSUER_HOST = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
export const OIDC_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${OIDC_ISSUER_HOST}`;
/** S3's published ranges in us-east-1, as a gateway endpoint's prefix list (cidrBlocks) returns them. */
export const S3_PREFIX_LIST_CIDRS = ["3.5.0.0/19", "16.182.0.0/16", "52.216.0.0/15", "54.231.0.0/16"];

/** Deterministic ARN for a mocked resource type token such as "aws:iam/role:Role". */
export function fakeArn(type: string, name: string): string {
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  if (service === "s3") return `arn:aws:s3:::${name}`;
  if (service === "iam") return `arn:aws:iam::${ACCOUNT_ID}:${type.split(":")[2]?.toLowerCase()}/${name}`;
  return `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${type.split(":")[2]?.toLowerCase()}/${name}`;
}

function eksClusterState(inputs: Record<string, unknown>, name: string): Record<string, unknown> {
  const clusterName = typeof inputs.name === "string" ? inputs.name : name;
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: clusterName,
        cluster: {
          server: "https://EXAMPLE.gr7.us-east-1.eks.amazonaws.com",
          "certificate-authority-data": "",
        },
      },
    ],
    contexts: [{ name: "aws", context: { cluster: clusterName, user: "aws" } }],
    "current-context": "aws",
    users: [
      {
        name: "aws",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName],
          },
        },
      },
    ],
  };
  return {
    kubeconfig,
    kubeconfigJson: JSON.stringify(kubeconfig),
    oidcProviderArn: OIDC_PROVIDER_ARN,
    oidcProviderUrl: `https://${OIDC_ISSUER_HOST}`,
    oidcIssuer: OIDC_ISSUER_HOST,
    clusterSecurityGroupId: `sg-cluster-${name}`,
    nodeSecurityGroupId: `sg-node-${name}`,
  };
}

/** Outputs of a stack whose AWS layer is deployed: what index.ts exports with no gatewayImageTag. */
export function previousStackOutputs(workloadsDeployed = false): Record<string, unknown> {
  return {
    ecrRepositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/clinical-inference-gateway`,
    workloadsDeployed,
  };
}

export function defaultState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const physicalName = typeof inputs.name === "string" ? inputs.name : `${name}-mock`;
  // Only AWS resources get a fabricated name/ARN; Kubernetes objects and components echo their inputs.
  const state: Record<string, unknown> = type.startsWith("aws:")
    ? { ...inputs, name: physicalName, arn: fakeArn(type, physicalName) }
    : { ...inputs };
  switch (type) {
    case "eks:index:Cluster":
      return { ...state, ...eksClusterState(inputs, physicalName) };
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = typeof inputs.bucket === "string" ? inputs.bucket : `${name}-mock`;
      return {
        ...state,
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketRegionalDomainName: `${bucket}.s3.amazonaws.com`,
      };
    }
    case "aws:ecr/repository:Repository":
      return { ...state, repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/${physicalName}` };
    case "aws:kms/key:Key":
      return { ...state, keyId: `key-${name}` };
    case "aws:ec2/vpc:Vpc":
      return { ...state, cidrBlock: inputs.cidrBlock ?? "10.0.0.0/16" };
    case "pulumi:pulumi:StackReference":
      // The stack's own last update, by default one that deployed the AWS layer (the ECR repository exists)
      // and no workloads; tests of components/deployed-state.ts give other states through stateFor.
      return { name: inputs.name, outputs: previousStackOutputs(), secretOutputNames: [] };
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return inputs.vpcEndpointType === "Gateway"
        ? { ...state, prefixListId: "pl-63a5400a", cidrBlocks: S3_PREFIX_LIST_CIDRS }
        : state;
    default:
      return state;
  }
}

export function answerCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: AVAILABILITY_ZONES,
        zoneIds: AVAILABILITY_ZONES.map((_, i) => `use1-az${i + 1}`),
        id: REGION,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`,
        userId: "AIDTEST",
        id: ACCOUNT_ID,
      };
    case "aws:index/getRegion:getRegion":
      return { name: REGION, region: REGION, id: REGION, description: "US East (N. Virginia)" };
    case "aws:elb/getServiceAccount:getServiceAccount":
      // us-east-1's Elastic Load Balancing account, which writes ALB access logs.
      return { arn: "arn:aws:iam::127311923021:root", id: "127311923021" };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    default:
      return inputs;
  }
}
