/**
 * HIPAA guardrail policy pack (Pulumi CrossGuard). Run it with every preview and update:
 *   pulumi preview --policy-pack policy
 * The policies themselves are in policies.ts; test/policy-pack.test.ts runs them against the dev and prod
 * programs under mocks.
 */
import { PolicyPack } from "@pulumi/policy";
import { HIPAA_GUARDRAILS } from "./policies";

new PolicyPack("clinical-inference-hipaa-guardrails", {
  description:
    "Encryption at rest, TLS-only and private storage, IMDSv2, audit logging, PHI network isolation",
  enforcementLevel: "mandatory",
  policies: HIPAA_GUARDRAILS,
});
