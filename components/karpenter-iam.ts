/**
 * The Karpenter controller's IAM policy, least privilege after Karpenter's reference policy: it may launch
 * and tag instances only for this cluster (request tags), terminate and delete only what it tagged (resource
 * tags), pass only the node role to EC2, manage only its own instance profiles, read only its interruption
 * queue, and describe what it must to pick instance types and prices.
 */
export interface KarpenterPolicyScope {
  partition: string;
  region: string;
  accountId: string;
  clusterName: string;
  clusterArn: string;
  queueArn: string;
  nodeRoleArn: string;
}

export function karpenterControllerPolicy(s: KarpenterPolicyScope): string {
  const ec2 = (resource: string) => `arn:${s.partition}:ec2:${s.region}:*:${resource}`;
  const owned = {
    [`aws:RequestTag/kubernetes.io/cluster/${s.clusterName}`]: "owned",
    "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
  };
  const ownedResource = { [`aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`]: "owned" };
  const launched = [
    "fleet/*",
    "instance/*",
    "volume/*",
    "network-interface/*",
    "launch-template/*",
    "spot-instances-request/*",
  ].map(ec2);
  const profile = `arn:${s.partition}:iam::${s.accountId}:instance-profile/*`;
  const inRegion = { StringEquals: { "aws:RequestedRegion": s.region } };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "LaunchFromSharedResources",
        Effect: "Allow",
        Action: ["ec2:RunInstances", "ec2:CreateFleet"],
        Resource: [
          `arn:${s.partition}:ec2:${s.region}::image/*`,
          `arn:${s.partition}:ec2:${s.region}::snapshot/*`,
          ec2("security-group/*"),
          ec2("subnet/*"),
          ec2("capacity-reservation/*"),
        ],
      },
      {
        Sid: "LaunchTaggedForThisCluster",
        Effect: "Allow",
        Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
        Resource: launched,
        Condition: { StringEquals: owned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
      },
      {
        Sid: "TagOnLaunch",
        Effect: "Allow",
        Action: "ec2:CreateTags",
        Resource: launched,
        Condition: {
          StringEquals: {
            ...owned,
            "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
          },
          StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
        },
      },
      {
        Sid: "TagOwnedInstances",
        Effect: "Allow",
        Action: "ec2:CreateTags",
        Resource: ec2("instance/*"),
        Condition: {
          StringEquals: ownedResource,
          StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
          "ForAllValues:StringEquals": {
            "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
          },
        },
      },
      {
        Sid: "DeleteOwned",
        Effect: "Allow",
        Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
        Resource: [ec2("instance/*"), ec2("launch-template/*")],
        Condition: {
          StringEquals: ownedResource,
          StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
        },
      },
      {
        Sid: "Describe",
        Effect: "Allow",
        Action: [
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeCapacityReservations",
          "ec2:DescribeImages",
          "ec2:DescribeInstances",
          "ec2:DescribeInstanceTypeOfferings",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplates",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSpotPriceHistory",
          "ec2:DescribeSubnets",
        ],
        Resource: "*",
        Condition: inRegion,
      },
      {
        Sid: "AmiParameters",
        Effect: "Allow",
        Action: "ssm:GetParameter",
        Resource: `arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*`,
      },
      { Sid: "Pricing", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
      {
        Sid: "InterruptionQueue",
        Effect: "Allow",
        Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        Resource: s.queueArn,
      },
      {
        Sid: "PassNodeRole",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: s.nodeRoleArn,
        Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
      },
      {
        Sid: "CreateOwnInstanceProfiles",
        Effect: "Allow",
        Action: ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
        Resource: profile,
        Condition: {
          StringEquals: { ...owned, "aws:RequestTag/topology.kubernetes.io/region": s.region },
          StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
      {
        Sid: "ManageOwnInstanceProfiles",
        Effect: "Allow",
        Action: [
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:DeleteInstanceProfile",
        ],
        Resource: profile,
        Condition: {
          StringEquals: { ...ownedResource, "aws:ResourceTag/topology.kubernetes.io/region": s.region },
          StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
      { Sid: "ReadInstanceProfiles", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: profile },
      // Listing takes no resource ARN; it reveals profile names, which Karpenter matches to its own tags.
      { Sid: "ListInstanceProfiles", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
      { Sid: "Cluster", Effect: "Allow", Action: "eks:DescribeCluster", Resource: s.clusterArn },
    ],
  });
}
