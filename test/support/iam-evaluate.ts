/**
 * Decides an S3 call the way AWS does, with a real IAM policy evaluator (@cloud-copilot/iam-simulate): the
 * caller's identity policy and the bucket's resource policy, every condition operator, IfExists and missing
 * keys, explicit denies. moto, which serves the calls, evaluates Action and Resource only.
 */
import { type EvaluationResult, runSimulation } from "@cloud-copilot/iam-simulate";
import { ACCOUNT_ID } from "./pulumi-mocks";

export interface S3Call {
  action: string;
  resource: string;
  /** The listing's prefix / delimiter parameters; null when the request has none (e.g. HeadBucket). */
  prefix: string | null;
  delimiter: string | null;
}

export interface S3Policies {
  /** The calling role session, arn:aws:sts::<account>:assumed-role/<role>/<session>. */
  principal: string;
  identityPolicy: unknown;
  bucketPolicy: unknown;
}

export async function decideS3Call(
  call: S3Call,
  policies: S3Policies,
  transport: "tls" | "plain" = "tls",
): Promise<EvaluationResult> {
  const context: Record<string, string> = { "aws:SecureTransport": transport === "tls" ? "true" : "false" };
  if (call.prefix !== null) context["s3:prefix"] = call.prefix;
  if (call.delimiter !== null) context["s3:delimiter"] = call.delimiter;
  const result = await runSimulation(
    {
      request: {
        principal: policies.principal,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT_ID },
        contextVariables: context,
      },
      identityPolicies: [{ name: "identity", policy: policies.identityPolicy }],
      resourcePolicy: policies.bucketPolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    // Strict: the request is exactly what is given; a key not given is absent, as it is on the wire.
    { simulationMode: "Strict" },
  );
  if (result.resultType === "error")
    throw new Error(`the IAM evaluator rejected the input: ${result.errors.message}`);
  if (result.resultType !== "single") throw new Error(`expected one resource for ${call.resource}`);
  return result.overallResult;
}

/** Calls that differ only in what the policies cannot see (method, path) decided once each. */
export function distinctCalls(calls: S3Call[]): S3Call[] {
  const seen = new Map<string, S3Call>();
  for (const { action, resource, prefix, delimiter } of calls) {
    seen.set(JSON.stringify([action, resource, prefix, delimiter]), { action, resource, prefix, delimiter });
  }
  return [...seen.values()];
}
