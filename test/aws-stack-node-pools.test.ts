/**
 * The whole program (index.ts) under the Pulumi mock engine for the committed dev and prod stack files: the
 * GPU and system node pools (instance types, AMIs, taints, launch templates, IMDSv2, node role) and the
 * NVIDIA device plugin DaemonSet. Each test proves one property and would fail if it were removed.
 *
 * @pulumi/eks resources (Cluster, ManagedNodeGroup) are remote components: we assert the inputs we give them.
 */

import { runDevAndProd } from "./support/dev-and-prod";
import { type RecordedResource, resourceRefName } from "./support/pulumi-mocks";
import type { ProgramRun } from "./support/stacks";

const NODE_GROUP = "eks:index:ManagedNodeGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const DAEMONSET = "kubernetes:apps/v1:DaemonSet";

const podSpec = (ds: RecordedResource) => ds.inputs.spec.template.spec;

let dev: ProgramRun;
let prod: ProgramRun;
let cleanup: (() => void) | undefined;

beforeAll(async () => {
  ({ dev, prod, cleanup } = await runDevAndProd());
});

afterAll(() => cleanup?.());

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

  test("dev keeps no GPU node always on (Karpenter brings the one it may have)", () => {
    expect(dev.mocked.one(NODE_GROUP, "gpu").inputs.scalingConfig).toEqual({
      minSize: 0,
      desiredSize: 0,
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
