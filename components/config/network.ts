import { byEnv, type ConfigReader, type SectionContext } from "./reader";
import { CLOUDWATCH_RETENTION_DAYS, parseCidr } from "./rules";
import type { NatGatewayStrategy, NetworkConfig } from "./types";

/** The VPC; its log retention also applies to the control-plane logs (one audit retention). */
export function readNetwork(c: ConfigReader, ctx: SectionContext): NetworkConfig {
  const vpcCidr = c.string("vpcCidr", "10.40.0.0/16");
  const parsedVpc = parseCidr(vpcCidr);
  if (parsedVpc?.prefix !== 16 || parsedVpc.octets[2] !== 0 || parsedVpc.octets[3] !== 0) {
    c.problem("vpcCidr", `must be an IPv4 /16 such as 10.40.0.0/16, got "${vpcCidr}"`, "10.40.0.0/16");
  }
  const availabilityZoneCount = c.integer("availabilityZoneCount", byEnv(ctx, 2, 3), 2, 4);
  if (ctx.prod && availabilityZoneCount < 3) {
    c.problem("availabilityZoneCount", `must be >= 3 in prod, got ${availabilityZoneCount}`, "3");
  }
  const natGateways = c.oneOf<NatGatewayStrategy>(
    "natGateways",
    ["single", "perAz"],
    byEnv(ctx, "single", "perAz"),
  );
  if (ctx.prod && natGateways !== "perAz") {
    c.problem("natGateways", "must be perAz in prod (one NAT gateway per availability zone)", "perAz");
  }

  const logRetentionDays = c.integer("logRetentionDays", byEnv(ctx, 30, 365), 1, 3653);
  if (!CLOUDWATCH_RETENTION_DAYS.includes(logRetentionDays)) {
    c.problem(
      "logRetentionDays",
      `must be a CloudWatch Logs retention period (${CLOUDWATCH_RETENTION_DAYS.join(", ")}), got ${logRetentionDays}`,
      String(byEnv(ctx, 30, 365)),
    );
  } else if (ctx.prod && logRetentionDays < 365) {
    c.problem("logRetentionDays", `must be >= 365 in prod (audit evidence), got ${logRetentionDays}`, "365");
  }
  return { vpcCidr, availabilityZoneCount, natGateways, flowLogRetentionDays: logRetentionDays };
}
