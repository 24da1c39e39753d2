import type { ConfigReader, SectionContext } from "./reader";
import { ACM_CERTIFICATE_ARN, CHART_VERSION } from "./rules";
import type { WorkloadConfig } from "./types";

const EXAMPLE_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";

/** TLS at the ALB (a certificate, or plain HTTP in dev only) and the ALB controller's chart. */
export function readIngress(c: ConfigReader, ctx: SectionContext): WorkloadConfig["ingress"] {
  const certificateArn = c.string("certificateArn", undefined);
  if (certificateArn === undefined && ctx.prod) {
    c.problem(
      "certificateArn",
      "is required in prod (the ALB terminates TLS with this ACM certificate)",
      EXAMPLE_CERT,
    );
  } else if (certificateArn !== undefined && !ACM_CERTIFICATE_ARN.test(certificateArn)) {
    c.problem("certificateArn", `must be an ACM certificate ARN, got "${certificateArn}"`, EXAMPLE_CERT);
  }
  const allowInsecureHttp = c.boolean("allowInsecureHttp", false);
  if (ctx.prod && allowInsecureHttp) {
    c.problem("allowInsecureHttp", "is forbidden in prod (PHI must only travel over TLS)", "false");
  }
  if (!ctx.prod && certificateArn === undefined && !allowInsecureHttp) {
    c.problem(
      "certificateArn",
      "is required unless allowInsecureHttp is true (dev only); either set a certificate or run: " +
        c.fix("allowInsecureHttp", "true"),
      EXAMPLE_CERT,
    );
  }
  const albControllerChartVersion = c.string("albControllerChartVersion", "1.13.0");
  if (!CHART_VERSION.test(albControllerChartVersion)) {
    c.problem(
      "albControllerChartVersion",
      `must be a pinned chart version like 1.13.0, got "${albControllerChartVersion}"`,
      "1.13.0",
    );
  }
  return { certificateArn, allowInsecureHttp, albControllerChartVersion };
}
