/**
 * The VPC the cluster lives in: one public and one private subnet per availability zone, an internet gateway
 * for the public tier, and NAT for the private tier (one shared NAT in dev, one per AZ in prod so losing an
 * AZ does not cut the others off). Subnets carry the tags the AWS Load Balancer Controller uses to place
 * internet-facing (`kubernetes.io/role/elb`) and internal (`kubernetes.io/role/internal-elb`) load balancers.
 * VPC flow logs record all accepted and rejected traffic into CloudWatch Logs, the network evidence a
 * security review or incident response asks for first.
 *
 * Triton's two AWS calls stay inside the VPC, so the egress NetworkPolicy can name their destinations instead
 * of "the internet": S3 through a gateway endpoint (AWS's S3 prefix list, routed by the private route tables)
 * and STS (the IRSA web-identity exchange) through an interface endpoint with private DNS, whose interfaces
 * live in the private subnets.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type NetworkConfig, parseCidr } from "./config";

export interface NetworkArgs {
  config: NetworkConfig;
  /** For the VPC endpoints' service names (com.amazonaws.<region>.s3 / .sts). */
  region: string;
  /** Used for the kubernetes.io/cluster/<name> subnet tag. */
  clusterName: string;
  tags: Record<string, string>;
}

/** Private subnets get /19s (8k addresses each: pods take VPC IPs with the VPC CNI); public subnets /20s. */
export function subnetCidrs(vpcCidr: string, index: number): { privateCidr: string; publicCidr: string } {
  const parsed = parseCidr(vpcCidr);
  if (parsed?.prefix !== 16) throw new Error(`subnetCidrs needs a /16, got ${vpcCidr}`);
  const [a, b] = parsed.octets;
  return { privateCidr: `${a}.${b}.${index * 32}.0/19`, publicCidr: `${a}.${b}.${128 + index * 16}.0/20` };
}

/** The CIDRs of the public subnets (where the ALB's interfaces live) and of the private ones. */
export function subnetTiers(config: NetworkConfig): { publicCidrs: string[]; privateCidrs: string[] } {
  const all = Array.from({ length: config.availabilityZoneCount }, (_, i) => subnetCidrs(config.vpcCidr, i));
  return { publicCidrs: all.map((s) => s.publicCidr), privateCidrs: all.map((s) => s.privateCidr) };
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly natGatewayIds: pulumi.Output<string>[];
  /** S3's address ranges in the region (the gateway endpoint's prefix list). */
  readonly s3Cidrs: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:Network", name, {}, opts);
    const parent = { parent: this };
    const { config, tags } = args;
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };

    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
    const zoneAt = (i: number) =>
      zones.names.apply((names) => {
        const zone = names[i];
        if (!zone) {
          throw new Error(
            `availabilityZoneCount is ${config.availabilityZoneCount} but the region has only ${names.length} available zones`,
          );
        }
        return zone;
      });

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: config.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...tags, Name: `${name}-vpc` },
      },
      parent,
    );
    const internetGateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } },
      parent,
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
        tags: { ...tags, Name: `${name}-public` },
      },
      parent,
    );

    this.publicSubnetIds = [];
    this.privateSubnetIds = [];
    const privateRouteTableIds: pulumi.Output<string>[] = [];
    this.natGatewayIds = [];
    const natCount = config.natGateways === "perAz" ? config.availabilityZoneCount : 1;

    for (let i = 0; i < config.availabilityZoneCount; i++) {
      const { privateCidr, publicCidr } = subnetCidrs(config.vpcCidr, i);
      const publicSubnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: publicCidr,
          availabilityZone: zoneAt(i),
          // Nodes live in private subnets; nothing launched here should get a public IP implicitly.
          mapPublicIpOnLaunch: false,
          tags: { ...tags, ...clusterTag, Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: publicSubnet.id, routeTableId: publicRoutes.id },
        parent,
      );
      this.publicSubnetIds.push(publicSubnet.id);

      if (i < natCount) {
        const eip = new aws.ec2.Eip(
          `${name}-nat-${i}`,
          { domain: "vpc", tags: { ...tags, Name: `${name}-nat-${i}` } },
          parent,
        );
        const nat = new aws.ec2.NatGateway(
          `${name}-nat-${i}`,
          { allocationId: eip.id, subnetId: publicSubnet.id, tags: { ...tags, Name: `${name}-nat-${i}` } },
          { parent: this, dependsOn: [internetGateway] },
        );
        this.natGatewayIds.push(nat.id);
      }

      const privateSubnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: privateCidr,
          availabilityZone: zoneAt(i),
          mapPublicIpOnLaunch: false,
          tags: {
            ...tags,
            ...clusterTag,
            Name: `${name}-private-${i}`,
            "kubernetes.io/role/internal-elb": "1",
          },
        },
        parent,
      );
      const natId = this.natGatewayIds[config.natGateways === "perAz" ? i : 0];
      const privateRoutes = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natId }],
          tags: { ...tags, Name: `${name}-private-${i}` },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: privateSubnet.id, routeTableId: privateRoutes.id },
        parent,
      );
      this.privateSubnetIds.push(privateSubnet.id);
      privateRouteTableIds.push(privateRoutes.id);
    }

    const s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTableIds,
        tags: { ...tags, Name: `${name}-s3` },
      },
      parent,
    );
    const endpointSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: vpc.id,
        description: "HTTPS from the VPC to its interface endpoints",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [config.vpcCidr] }],
        tags: { ...tags, Name: `${name}-endpoints` },
      },
      parent,
    );
    new aws.ec2.VpcEndpoint(
      `${name}-sts`,
      {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${args.region}.sts`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [endpointSecurityGroup.id],
        tags: { ...tags, Name: `${name}-sts` },
      },
      parent,
    );
    this.s3Cidrs = s3Endpoint.cidrBlocks;

    const flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { name: `/vpc/${args.clusterName}/flow-logs`, retentionInDays: config.flowLogRetentionDays, tags },
      parent,
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        description: `VPC flow logs of ${args.clusterName} into CloudWatch Logs`,
        // SourceAccount: the flow-logs service may assume this role only on behalf of this account.
        assumeRolePolicy: aws.getCallerIdentityOutput({}, parent).accountId.apply((accountId) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
              },
            ],
          }),
        ),
        tags,
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: flowLogRole.id,
        policy: flowLogGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [arn, `${arn}:*`],
              },
            ],
          }),
        ),
      },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-logs`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        tags,
      },
      parent,
    );

    this.vpcId = vpc.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      natGatewayIds: this.natGatewayIds,
    });
  }
}
