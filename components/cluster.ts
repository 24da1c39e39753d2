/**
 * The EKS control plane: a pinned Kubernetes version, secrets envelope-encrypted with our own rotating KMS
 * key from day one, all control-plane log types (audit included) shipped to CloudWatch, API-mode
 * authentication through access entries (no aws-auth ConfigMap), an IAM OIDC provider for IRSA, and the VPC
 * CNI add-on with network-policy enforcement on, because the workload layer isolates namespaces with
 * NetworkPolicy.
 *
 * No node group is created here (skipDefaultNodeGroup); node pools and the CoreDNS add-on that needs them
 * live in node-pools.ts.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./config";

export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
export const CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
/** Read-only on every resource, Secrets included in metadata only: what `pulumi preview` needs to diff. */
export const CLUSTER_VIEW_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy";

export interface ClusterArgs {
  config: ClusterConfig;
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<string>[];
  privateSubnetIds: pulumi.Input<string>[];
  deletionProtection: boolean;
  kmsDeletionWindowDays: number;
  tags: Record<string, string>;
}

export class Cluster extends pulumi.ComponentResource {
  readonly eksCluster: eks.Cluster;
  /** Resolves once the control plane exists. */
  readonly name: pulumi.Output<string>;
  /** kubeconfig (exec-based, uses `aws eks get-token`), marked secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  /** Issuer URL without the scheme, as IAM condition keys spell it. */
  readonly oidcIssuer: pulumi.Output<string>;
  readonly secretsKeyArn: pulumi.Output<string>;
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** Kubernetes provider bound to this cluster for the in-cluster resources. */
  readonly provider: k8s.Provider;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:Cluster", name, {}, opts);
    const { config, tags } = args;
    const stateful = {
      parent: this,
      protect: args.deletionProtection,
      retainOnDelete: args.deletionProtection,
    };

    const secretsKey = new aws.kms.Key(
      `${name}-secrets`,
      {
        description: `Envelope encryption of Kubernetes secrets in EKS cluster ${config.name}`,
        enableKeyRotation: true,
        deletionWindowInDays: args.kmsDeletionWindowDays,
        tags,
      },
      stateful,
    );
    new aws.kms.Alias(
      `${name}-secrets`,
      { name: `alias/${config.name}-secrets`, targetKeyId: secretsKey.keyId },
      { parent: this },
    );

    const serviceRole = new aws.iam.Role(
      `${name}-service`,
      {
        description: `EKS control plane role for ${config.name}`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "eks.amazonaws.com" },
              Action: ["sts:AssumeRole", "sts:TagSession"],
            },
          ],
        }),
        tags,
      },
      { parent: this },
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-service-cluster-policy`,
      { role: serviceRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" },
      { parent: this },
    );
    // The control plane needs these on the key to wrap and unwrap secret data keys.
    const keyPolicy = new aws.iam.RolePolicy(
      `${name}-service-secrets-key`,
      {
        role: serviceRole.name,
        policy: secretsKey.arn.apply((keyArn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: [
                  "kms:Encrypt",
                  "kms:Decrypt",
                  "kms:DescribeKey",
                  "kms:ListGrants",
                  "kms:CreateGrant",
                ],
                Resource: keyArn,
              },
            ],
          }),
        ),
      },
      { parent: this },
    );

    // EKS writes control-plane logs to this fixed group name and would create it without expiry; creating it
    // first sets the retention (audit evidence) and lets the stack own it.
    const controlPlaneLogs = new aws.cloudwatch.LogGroup(
      `${name}-control-plane-logs`,
      { name: `/aws/eks/${config.name}/cluster`, retentionInDays: config.logRetentionDays, tags },
      { parent: this, retainOnDelete: args.deletionProtection },
    );

    const accessEntries: Record<string, eks.types.input.AccessEntryArgs> = {};
    args.config.adminPrincipalArns.forEach((principalArn, i) => {
      accessEntries[`admin-${i}`] = {
        principalArn,
        accessPolicies: {
          "cluster-admin": { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: "cluster" } },
        },
      };
    });
    args.config.viewerPrincipalArns.forEach((principalArn, i) => {
      accessEntries[`viewer-${i}`] = {
        principalArn,
        accessPolicies: {
          "cluster-view": { policyArn: CLUSTER_VIEW_POLICY_ARN, accessScope: { type: "cluster" } },
        },
      };
    });

    this.eksCluster = new eks.Cluster(
      name,
      {
        name: config.name,
        version: config.kubernetesVersion,
        vpcId: args.vpcId,
        publicSubnetIds: args.publicSubnetIds,
        privateSubnetIds: args.privateSubnetIds,
        nodeAssociatePublicIpAddress: false,
        serviceRole,
        endpointPrivateAccess: true,
        endpointPublicAccess: config.endpointPublicAccess,
        ...(config.endpointPublicAccess ? { publicAccessCidrs: config.publicAccessCidrs } : {}),
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries,
        skipDefaultNodeGroup: true,
        createOidcProvider: true,
        encryptionConfigKeyArn: secretsKey.arn,
        enabledClusterLogTypes: CLUSTER_LOG_TYPES,
        deletionProtection: args.deletionProtection,
        // CoreDNS is installed by NodePools once system nodes exist; installed here it would sit Pending
        // (and the add-on would report degraded) until then.
        corednsAddonOptions: { enabled: false },
        vpcCniOptions: { enableNetworkPolicy: true },
        tags,
      },
      {
        parent: this,
        protect: args.deletionProtection,
        retainOnDelete: args.deletionProtection,
        dependsOn: [clusterPolicy, keyPolicy, controlPlaneLogs],
      },
    );

    this.name = this.eksCluster.oidcProviderArn.apply(() => config.name);
    // Built from the component's output property, not getKubeconfig(): that method needs a live engine.
    this.kubeconfig = pulumi.secret(this.eksCluster.kubeconfigJson);
    this.oidcProviderArn = this.eksCluster.oidcProviderArn;
    this.oidcIssuer = this.eksCluster.oidcProviderUrl.apply((url) => url.replace(/^https:\/\//, ""));
    this.secretsKeyArn = secretsKey.arn;
    this.clusterSecurityGroupId = this.eksCluster.clusterSecurityGroupId;
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true },
      { parent: this },
    );

    this.registerOutputs({
      name: this.name,
      kubeconfig: this.kubeconfig,
      oidcProviderArn: this.oidcProviderArn,
      oidcIssuer: this.oidcIssuer,
      secretsKeyArn: this.secretsKeyArn,
    });
  }
}
