/** Nodes and the control plane: IMDSv2, encrypted EBS, EKS secrets encryption, audit logs, private endpoint. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isProd, type Props } from "./resources";

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const INSTANCE = "aws:ec2/instance:Instance";
/** Karpenter's node template: the same guarantees for the nodes it launches. */
export const EC2_NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
const EKS_CLUSTER_TYPES = ["eks:index:Cluster", "aws:eks/cluster:Cluster"];

export const imdsV2: ResourceValidationPolicy = {
  name: "imdsv2-required",
  description: "Launch templates, instances and Karpenter node classes require IMDSv2 tokens, hop limit 1.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, report) => {
    const metadata: Props | undefined =
      type === LAUNCH_TEMPLATE || type === INSTANCE
        ? props.metadataOptions
        : type === EC2_NODE_CLASS
          ? props.spec?.metadataOptions
          : undefined;
    if (type !== LAUNCH_TEMPLATE && type !== INSTANCE && type !== EC2_NODE_CLASS) return;
    if (metadata?.httpTokens !== "required")
      report("instance metadata must require IMDSv2 tokens (httpTokens: required)");
    if ((metadata?.httpPutResponseHopLimit ?? 2) > 1)
      report("IMDS hop limit must be 1 so pods cannot reach node credentials");
  },
};

const encryptedFlag = (value: unknown) => value === true || value === "true";

export const ebsEncryption: ResourceValidationPolicy = {
  name: "ebs-encryption-at-rest",
  description:
    "Every EBS volume the stack defines (launch templates, volumes, Karpenter node classes) is encrypted.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, report) => {
    if (type === "aws:ebs/volume:Volume" && !encryptedFlag(props.encrypted))
      report("EBS volume without encrypted: true");
    const mappings: Props[] =
      type === LAUNCH_TEMPLATE || type === INSTANCE
        ? (props.blockDeviceMappings ?? [])
        : type === EC2_NODE_CLASS
          ? (props.spec?.blockDeviceMappings ?? [])
          : [];
    if ((type === LAUNCH_TEMPLATE || type === EC2_NODE_CLASS) && mappings.length === 0)
      report("no blockDeviceMappings: the root volume's encryption is not stated");
    for (const m of mappings)
      if (!encryptedFlag(m.ebs?.encrypted)) report(`block device ${m.deviceName ?? "?"} is not encrypted`);
    if (type === INSTANCE && !encryptedFlag(props.rootBlockDevice?.encrypted))
      report("instance root volume is not encrypted");
  },
};

export const eksControlPlane: ResourceValidationPolicy = {
  name: "eks-secrets-encryption-audit-private-endpoint",
  description:
    "EKS encrypts Secrets with KMS, ships audit logs, and in prod keeps the API endpoint private (or CIDR-restricted).",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props }, report) => {
    if (!EKS_CLUSTER_TYPES.includes(type)) return;
    const secretsEncrypted =
      props.encryptionConfigKeyArn !== undefined ||
      (props.encryptionConfig?.resources ?? []).includes("secrets");
    if (!secretsEncrypted) report("EKS cluster without KMS envelope encryption of secrets");
    const logTypes: string[] = props.enabledClusterLogTypes ?? [];
    if (!logTypes.includes("audit")) report("EKS cluster without the audit control-plane log");
    if (!isProd(props)) return;
    const vpc: Props = type === "eks:index:Cluster" ? props : (props.vpcConfig ?? {});
    if (vpc.endpointPrivateAccess !== true) report("prod EKS cluster without the private API endpoint");
    const cidrs: string[] = vpc.publicAccessCidrs ?? ["0.0.0.0/0"];
    if (vpc.endpointPublicAccess === true && cidrs.includes("0.0.0.0/0"))
      report("prod EKS API endpoint is open to 0.0.0.0/0");
  },
};
