import type { ConfigReader, SectionContext } from "./reader";
import {
  CLUSTER_NAME,
  IAM_PRINCIPAL_ARN,
  KUBERNETES_VERSION,
  MIN_KUBERNETES_MINOR,
  parseCidr,
  STS_ASSUMED_ROLE_ARN,
} from "./rules";
import type { ClusterConfig } from "./types";

const CIDRS_EXAMPLE = '["203.0.113.0/24"]';
const ADMINS_EXAMPLE = '["arn:aws:iam::123456789012:role/platform-admin"]';
const VIEWERS_EXAMPLE = '["arn:aws:iam::123456789012:role/github-preview"]';

/**
 * A list of IAM principals for EKS access entries. EKS refuses STS session ARNs (what
 * `aws sts get-caller-identity` prints under an assumed role), so those get the role ARN to use instead.
 */
function principalArns(c: ConfigReader, key: string, example: string): string[] {
  const arns = c.stringList(key, [], example);
  for (const arn of arns) {
    const session = STS_ASSUMED_ROLE_ARN.exec(arn);
    if (session) {
      const [, partition, account, role] = session;
      c.problem(
        key,
        `contains the STS session ARN "${arn}", which EKS access entries reject; use the role's IAM ARN ` +
          `arn:${partition}:iam::${account}:role/<path/>${role} instead`,
        `["arn:${partition}:iam::${account}:role/${role}"]`,
      );
    } else if (!IAM_PRINCIPAL_ARN.test(arn)) {
      c.problem(key, `contains "${arn}", which is not an IAM role or user ARN`, example);
    }
  }
  return arns;
}

/** The EKS control plane: version, API endpoint exposure and admins. */
export function readCluster(c: ConfigReader, ctx: SectionContext, logRetentionDays: number): ClusterConfig {
  const name = c.string("clusterName", `clinical-inference-${ctx.stack}`);
  if (!CLUSTER_NAME.test(name)) {
    c.problem("clusterName", "must be 1-100 letters, digits, - or _", `clinical-inference-${ctx.stack}`);
  }
  const kubernetesVersion = c.string("kubernetesVersion", "1.33");
  const k8sMatch = KUBERNETES_VERSION.exec(kubernetesVersion);
  if (!k8sMatch || Number(k8sMatch[1]) < MIN_KUBERNETES_MINOR) {
    c.problem(
      "kubernetesVersion",
      `must be a pinned EKS minor version >= 1.${MIN_KUBERNETES_MINOR}, got "${kubernetesVersion}"`,
      "1.33",
    );
  }
  const endpointPublicAccess = c.boolean("clusterEndpointPublicAccess", !ctx.prod);
  const publicAccessCidrs = c.stringList(
    "clusterPublicAccessCidrs",
    ctx.prod ? [] : ["0.0.0.0/0"],
    CIDRS_EXAMPLE,
  );
  for (const cidr of publicAccessCidrs) {
    if (!parseCidr(cidr)) {
      c.problem("clusterPublicAccessCidrs", `contains "${cidr}", which is not an IPv4 CIDR`, CIDRS_EXAMPLE);
    }
  }
  if (ctx.prod && endpointPublicAccess) {
    if (publicAccessCidrs.length === 0) {
      c.problem(
        "clusterPublicAccessCidrs",
        "must list the networks allowed to reach the public API endpoint in prod",
        CIDRS_EXAMPLE,
      );
    }
    if (publicAccessCidrs.some((cidr) => parseCidr(cidr)?.prefix === 0)) {
      c.problem(
        "clusterPublicAccessCidrs",
        "must not contain 0.0.0.0/0 in prod (the API endpoint would be open to the internet)",
        CIDRS_EXAMPLE,
      );
    }
  }
  const adminPrincipalArns = principalArns(c, "clusterAdminPrincipalArns", ADMINS_EXAMPLE);
  const viewerPrincipalArns = principalArns(c, "clusterViewerPrincipalArns", VIEWERS_EXAMPLE);
  for (const arn of viewerPrincipalArns.filter((v) => adminPrincipalArns.includes(v))) {
    c.problem(
      "clusterViewerPrincipalArns",
      `contains "${arn}", which clusterAdminPrincipalArns already lists (EKS allows one access entry per principal)`,
      VIEWERS_EXAMPLE,
    );
  }
  return {
    name,
    kubernetesVersion,
    endpointPublicAccess,
    publicAccessCidrs: endpointPublicAccess ? publicAccessCidrs : [],
    adminPrincipalArns,
    viewerPrincipalArns,
    logRetentionDays,
  };
}
