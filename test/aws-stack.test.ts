/**
 * The whole program (index.ts) under the Pulumi mock engine, once with the committed dev stack file and once
 * with the committed prod stack file (plus the account-specific keys prod requires). Each test proves one
 * security- or availability-relevant property of the AWS layer and would fail if it were removed.
 *
 * @pulumi/eks resources (Cluster, ManagedNodeGroup) are remote components: we assert the inputs we give them.
 * Everything else is our own resource and is asserted in full.
 */
import { createHash } from "node:crypto";
import {
  isSecretOutput,
  OIDC_ISSUER_HOST,
  OIDC_PROVIDER_ARN,
  outputValue,
  parsePolicy,
  type RecordedResource,
  resourceRefName,
} from "./support/pulumi-mocks";
import {
  type ModelRepoFixture,
  makeModelRepo,
  PROD_REQUIRED,
  type ProgramRun,
  runProgram,
} from "./support/stacks";

const CLUSTER = "eks:index:Cluster";
const NODE_GROUP = "eks:index:ManagedNodeGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const KMS_KEY = "aws:kms/key:Key";
const BUCKET = "aws:s3/bucket:Bucket";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ECR_REPO = "aws:ecr/repository:Repository";
const DAEMONSET = "kubernetes:apps/v1:DaemonSet";

const podSpec = (ds: RecordedResource) => ds.inputs.spec.template.spec;

let dev: ProgramRun;
let prod: ProgramRun;
let devRepo: ModelRepoFixture;
let prodRepo: ModelRepoFixture;

beforeAll(async () => {
  devRepo = makeModelRepo({ withModel: false });
  prodRepo = makeModelRepo();
  dev = await runProgram("dev", { modelRepositoryPath: devRepo.root });
  prod = await runProgram("prod", { ...PROD_REQUIRED, modelRepositoryPath: prodRepo.root });
});

afterAll(() => {
  devRepo.cleanup();
  prodRepo.cleanup();
});

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
      modelRepositoryPath: prodRepo.root,
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

describe("node pools", () => {
  test("the GPU pool runs the configured g4dn instance type", () => {
    expect(dev.mocked.one(NODE_GROUP, "gpu").inputs.instanceTypes).toEqual(["g4dn.xlarge"]);
  });

  test("the GPU pool selects the NVIDIA AL2023 AMI explicitly", () => {
    expect(prod.mocked.one(NODE_GROUP, "gpu").inputs.amiType).toBe("AL2023_x86_64_NVIDIA");
  });

  test("the GPU pool is tainted nvidia.com/gpu=true:NoSchedule so only GPU workloads land there", () => {
    expect(prod.mocked.one(NODE_GROUP, "gpu").inputs.taints).toEqual([
      { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" },
    ]);
  });

  test("the GPU pool's nodes are labelled nvidia.com/gpu.present=true", () => {
    expect(prod.mocked.one(NODE_GROUP, "gpu").inputs.labels).toMatchObject({
      "nvidia.com/gpu.present": "true",
    });
  });

  test("dev runs exactly one GPU node", () => {
    expect(dev.mocked.one(NODE_GROUP, "gpu").inputs.scalingConfig).toEqual({
      minSize: 1,
      desiredSize: 1,
      maxSize: 1,
    });
  });

  test("prod keeps at least two GPU nodes", () => {
    expect(prod.mocked.one(NODE_GROUP, "gpu").inputs.scalingConfig).toEqual({
      minSize: 2,
      desiredSize: 2,
      maxSize: 4,
    });
  });

  test("the system pool is untainted and runs the standard AL2023 AMI", () => {
    const system = prod.mocked.one(NODE_GROUP, "system").inputs;
    expect(system.taints).toEqual([]);
    expect(system.amiType).toBe("AL2023_x86_64_STANDARD");
    expect(system.labels).not.toHaveProperty("nvidia.com/gpu.present");
  });

  test("both pools run in private subnets only", () => {
    const privateIds = prod.mocked
      .byType(SUBNET)
      .filter((s) => s.name.includes("private"))
      .map((s) => s.id);
    for (const pool of prod.mocked.byType(NODE_GROUP)) expect(pool.inputs.subnetIds).toEqual(privateIds);
  });

  test("both pools launch from our launch templates", () => {
    for (const pool of ["system", "gpu"]) {
      const lt = prod.mocked.one(LAUNCH_TEMPLATE, pool);
      expect(prod.mocked.one(NODE_GROUP, pool).inputs.launchTemplate.id).toBe(lt.id);
    }
  });

  test("every node requires IMDSv2 and keeps instance metadata out of reach of pods (hop limit 1)", () => {
    const templates = prod.mocked.byType(LAUNCH_TEMPLATE);
    expect(templates).toHaveLength(2);
    for (const lt of templates) {
      expect(lt.inputs.metadataOptions).toEqual({
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      });
    }
  });

  test("every node's root volume is encrypted", () => {
    for (const lt of prod.mocked.byType(LAUNCH_TEMPLATE)) {
      expect(lt.inputs.blockDeviceMappings[0].ebs.encrypted).toBe("true");
    }
  });

  test("the node role carries only the three EKS worker managed policies", () => {
    const attached = prod.mocked
      .byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.name.startsWith("nodes-node"))
      .map((a) => a.inputs.policyArn)
      .sort();
    expect(attached).toEqual([
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
    expect(resourceRefName(prod.mocked.one(NODE_GROUP, "gpu").inputs.nodeRole)).toBe("nodes-node");
  });
});

describe("NVIDIA device plugin", () => {
  test("runs the pinned device-plugin image from config", () => {
    const container = podSpec(dev.mocked.one(DAEMONSET)).containers[0];
    expect(container.image).toBe("nvcr.io/nvidia/k8s-device-plugin:v0.17.1");
  });

  test("tolerates the GPU taint", () => {
    expect(podSpec(dev.mocked.one(DAEMONSET)).tolerations).toContainEqual({
      key: "nvidia.com/gpu",
      operator: "Exists",
      effect: "NoSchedule",
    });
  });

  test("runs only on GPU nodes", () => {
    expect(podSpec(dev.mocked.one(DAEMONSET)).nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
  });

  test("is system-node-critical", () => {
    expect(podSpec(dev.mocked.one(DAEMONSET)).priorityClassName).toBe("system-node-critical");
  });

  test("mounts the kubelet's device-plugin socket directory", () => {
    const spec = podSpec(dev.mocked.one(DAEMONSET));
    expect(spec.volumes).toEqual([
      { name: "device-plugin", hostPath: { path: "/var/lib/kubelet/device-plugins", type: "Directory" } },
    ]);
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: "device-plugin", mountPath: "/var/lib/kubelet/device-plugins" },
    ]);
  });

  test("drops every Linux capability and forbids privilege escalation", () => {
    expect(podSpec(dev.mocked.one(DAEMONSET)).containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
  });

  test("is applied to the new cluster through its own Kubernetes provider", () => {
    const provider = dev.mocked.one("pulumi:providers:kubernetes");
    expect(dev.mocked.one(DAEMONSET).options.provider.startsWith(`${provider.urn}::`)).toBe(true);
  });
});

describe("model repository", () => {
  test("versions every object so a bad model push can be rolled back", () => {
    const versioning = prod.mocked.one("aws:s3/bucketVersioning:BucketVersioning");
    expect(versioning.inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    expect(versioning.inputs.bucket).toBe(prod.mocked.one(BUCKET, "model-repository").id);
  });

  test("encrypts objects at rest by default", () => {
    const sse = prod.mocked.one(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "model-repository",
    );
    expect(sse.inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
  });

  test("blocks every form of public access", () => {
    const block = prod.mocked.one(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "model-repository",
    );
    expect(block.inputs).toEqual({
      bucket: prod.mocked.one(BUCKET, "model-repository").id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  test("disables ACLs so the bucket policy is the only access control", () => {
    expect(
      prod.mocked.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "model-repository").inputs
        .rule,
    ).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  test("uploads one object per model file under the configured prefix", () => {
    const keys = prod.mocked.byType(OBJECT).map((o) => o.inputs.key);
    expect(keys.sort()).toEqual([
      "models/distilbert_sst2/1/model.onnx",
      "models/distilbert_sst2/1/tokenizer.json",
      "models/distilbert_sst2/config.pbtxt",
    ]);
  });

  test("does not upload tooling, source code or documentation", () => {
    const keys = prod.mocked.byType(OBJECT).map((o) => o.inputs.key);
    expect(keys.filter((k) => /tools\/|\.ts$|\.md$|\.py$/.test(k))).toEqual([]);
  });

  test("ties each object to its file's content hash so a changed model file changes the stack", () => {
    const onnx = prod.mocked.byType(OBJECT).find((o) => o.inputs.key.endsWith("model.onnx"));
    expect(onnx?.inputs.sourceHash).toBe(
      createHash("sha256")
        .update(Buffer.from([8, 7, 18, 4]))
        .digest("hex"),
    );
  });

  test("Triton's role trusts only the triton service account of the cluster's OIDC provider", () => {
    const trust = parsePolicy(prod.mocked.one(ROLE, "model-repository-triton").inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: OIDC_PROVIDER_ARN },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${OIDC_ISSUER_HOST}:sub`]: "system:serviceaccount:triton:triton",
            [`${OIDC_ISSUER_HOST}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ]);
  });

  test("prod refuses to destroy the bucket or delete it with the stack", () => {
    const bucket = prod.mocked.one(BUCKET, "model-repository");
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(bucket.options.protect).toBe(true);
    expect(bucket.options.retainOnDelete).toBe(true);
  });

  test("dev lets the bucket be destroyed with its contents", () => {
    const bucket = dev.mocked.one(BUCKET, "model-repository");
    expect(bucket.inputs.forceDestroy).toBe(true);
    expect(bucket.options.protect).toBe(false);
  });

  test("dev deploys without an exported model.onnx and uploads the other files", () => {
    const keys = dev.mocked.byType(OBJECT).map((o) => o.inputs.key);
    expect(keys.sort()).toEqual([
      "models/distilbert_sst2/1/tokenizer.json",
      "models/distilbert_sst2/config.pbtxt",
    ]);
  });
});

describe("image registry", () => {
  test("scans every pushed image for vulnerabilities", () => {
    expect(prod.mocked.one(ECR_REPO).inputs.imageScanningConfiguration).toEqual({ scanOnPush: true });
  });

  test("makes tags immutable so a tag always names the reviewed build", () => {
    expect(prod.mocked.one(ECR_REPO).inputs.imageTagMutability).toBe("IMMUTABLE");
  });

  test("encrypts images with KMS", () => {
    expect(prod.mocked.one(ECR_REPO).inputs.encryptionConfigurations).toEqual([{ encryptionType: "KMS" }]);
  });

  test("expires untagged images and keeps only the newest tagged ones", () => {
    const lifecycle = prod.mocked.one("aws:ecr/lifecyclePolicy:LifecyclePolicy");
    expect(lifecycle.inputs.repository).toBe(prod.mocked.one(ECR_REPO).state.name);
    const rules = parsePolicy(lifecycle.inputs.policy).rules;
    expect(rules.map((r: { selection: unknown }) => r.selection)).toEqual([
      { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
      { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 30 },
    ]);
  });

  test("prod refuses to delete the repository while it holds images", () => {
    const repo = prod.mocked.one(ECR_REPO);
    expect(repo.inputs.forceDelete).toBe(false);
    expect(repo.options.protect).toBe(true);
  });
});

describe("structure", () => {
  test("every cloud resource belongs to one of the stack's components", () => {
    const componentUrns = new Set(
      prod.mocked.resources.filter((r) => r.type.startsWith("clinical:")).map((r) => r.urn),
    );
    // The stack's reference to its own last outputs (components/deployed-state.ts) is no cloud resource.
    const orphans = prod.mocked.resources
      .filter((r) => !r.type.startsWith("clinical:") && r.type !== "pulumi:pulumi:StackReference")
      .filter((r) => !componentUrns.has(r.options.parent))
      .map((r) => `${r.type} ${r.name}`);
    expect(orphans).toEqual([]);
  });
});

describe("stack outputs", () => {
  test("clusterName is the configured cluster name", async () => {
    expect(await outputValue(prod.outputs.clusterName)).toBe("clinical-inference-prod");
  });

  test("kubeconfig is a secret", async () => {
    expect(await isSecretOutput(prod.outputs.kubeconfig)).toBe(true);
  });

  test("kubeconfig authenticates with a short-lived token from the AWS CLI", async () => {
    const kubeconfig = JSON.parse(await outputValue(prod.outputs.kubeconfig));
    expect(kubeconfig.users[0].user.exec.command).toBe("aws");
    expect(kubeconfig.users[0].user.exec.args).toEqual(expect.arrayContaining(["eks", "get-token"]));
  });

  test("oidcProviderArn is the cluster's OIDC provider", async () => {
    expect(await outputValue(prod.outputs.oidcProviderArn)).toBe(OIDC_PROVIDER_ARN);
  });

  test("modelBucketName is the model repository bucket", async () => {
    expect(await outputValue(prod.outputs.modelBucketName)).toBe(
      prod.mocked.one(BUCKET, "model-repository").state.bucket,
    );
  });

  test("modelRepositoryUri points Triton at the bucket prefix", async () => {
    const bucket = prod.mocked.one(BUCKET, "model-repository").state.bucket;
    expect(await outputValue(prod.outputs.modelRepositoryUri)).toBe(`s3://${bucket}/models`);
  });

  test("tritonRoleArn is the IRSA role for Triton", async () => {
    expect(await outputValue(prod.outputs.tritonRoleArn)).toBe(
      prod.mocked.one(ROLE, "model-repository-triton").state.arn,
    );
  });

  test("ecrRepositoryUrl is the stack's own gateway repository", async () => {
    expect(await outputValue(prod.outputs.ecrRepositoryUrl)).toBe(
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/clinical-inference-gateway-prod",
    );
  });

  test("gatewayImage pins the configured tag in the stack's repository", async () => {
    expect(await outputValue(prod.outputs.gatewayImage)).toBe(
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/clinical-inference-gateway-prod:1.4.2",
    );
  });

  test("gatewayImage is absent in dev until a tag is configured", () => {
    expect(dev.outputs.gatewayImage).toBeUndefined();
  });

  test("vpcId is the stack's VPC", async () => {
    expect(await outputValue(prod.outputs.vpcId)).toBe(prod.mocked.one("aws:ec2/vpc:Vpc").id);
  });
});
