import type { ConfigReader, SectionContext } from "./reader";
import {
  CLUSTER_NAME,
  IAM_PRINCIPAL_ARN,
  KUBERNETES_VERSION,
  MIN_KUBERNETES_MINOR,
  parseCidr,
} from "./rules";
import type { ClusterConfig } from "./types";

const CIDRS_EXAMPLE = '["203.0.113.0/24"]';
const ADMINS_EXAMPLE = '["arn:aws:iam::123456789012:role/platform-admin"]';

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
  const adminPrincipalArns = c.stringList("clusterAdminPrincipalArns", [], ADMINS_EXAMPLE);
  for (const arn of adminPrincipalArns) {
    if (!IAM_PRINCIPAL_ARN.test(arn)) {
      c.problem(
        "clusterAdminPrincipalArns",
        `contains "${arn}", which is not an IAM role or user ARN`,
        ADMINS_EXAMPLE,
      );
    }
  }
  return {
    name,
    kubernetesVersion,
    endpointPublicAccess,
    publicAccessCidrs: endpointPublicAccess ? publicAccessCidrs : [],
    adminPrincipalArns,
    logRetentionDays,
  };
}
