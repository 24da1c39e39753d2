/** WAF in front of the ALB and the retention of its logs and the ALB's access logs. */
import { byEnv, type ConfigReader, type SectionContext } from "./reader";

export interface EdgeProtectionConfig {
  /** Requests one source IP may send in any 5-minute window before WAF blocks it. */
  wafRateLimitPer5Minutes: number;
  /** Days WAF and ALB access logs are kept in their bucket; >= 365 in prod. */
  accessLogRetentionDays: number;
}

export const PROD_MIN_ACCESS_LOG_DAYS = 365;

export function readEdgeProtection(c: ConfigReader, ctx: SectionContext): EdgeProtectionConfig {
  const accessLogRetentionDays = c.integer("accessLogRetentionDays", byEnv(ctx, 90, 365), 1, 3653);
  if (ctx.prod && accessLogRetentionDays < PROD_MIN_ACCESS_LOG_DAYS) {
    c.problem(
      "accessLogRetentionDays",
      `must be >= ${PROD_MIN_ACCESS_LOG_DAYS} in prod (audit evidence), got ${accessLogRetentionDays}`,
      "365",
    );
  }
  return {
    wafRateLimitPer5Minutes: c.integer("wafRateLimitPer5Minutes", 2000, 100, 2_000_000_000),
    accessLogRetentionDays,
  };
}
