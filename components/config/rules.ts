/**
 * The rules a stack value must follow, each written once. Section readers apply them with the key and fix
 * of the value at hand; nothing downstream re-checks a value that passed here.
 */
import { MODEL_VERSION_PATTERN } from "@clinical-inference/gateway/deployment-contract";

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** What an EKS access entry accepts: an IAM role or user, never an STS session. */
export const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
/** An STS session (what `aws sts get-caller-identity` prints for a role); its role is named inside it. */
export const STS_ASSUMED_ROLE_ARN =
  /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[\w+=,.@-]+$/;
export const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
/** Triton images: NVIDIA's registry, a <yy.mm> release, the Python-enabled flavour. */
export const TRITON_IMAGE = /^nvcr\.io\/nvidia\/tritonserver:(\d{2})\.(\d{2})-py3$/;
export const RELEASE_TAG = /^v\d+\.\d+\.\d+$/;
export const CHART_VERSION = /^\d+\.\d+\.\d+$/;
/** An OCI tag; "latest" matches it but is refused separately because it is mutable. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const MUTABLE_TAG = "latest";
export const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
export const CPU_INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
export const S3_KEY_PREFIX = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/;
export const ECR_REPOSITORY_NAME = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
export const TRITON_MODEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const OAUTH_CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
/** EKS minor versions this stack supports. */
export const KUBERNETES_VERSION = /^1\.(\d{2})$/;
export const MIN_KUBERNETES_MINOR = 30;

/** GPUs per g4dn size; Triton runs one replica per GPU. */
export const G4DN_GPUS_PER_INSTANCE: Readonly<Record<string, number>> = {
  "g4dn.xlarge": 1,
  "g4dn.2xlarge": 1,
  "g4dn.4xlarge": 1,
  "g4dn.8xlarge": 1,
  "g4dn.16xlarge": 1,
  "g4dn.12xlarge": 4,
  "g4dn.metal": 8,
};

/** The values CloudWatch Logs accepts for retentionInDays. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Parses an IPv4 CIDR; undefined when malformed. */
export function parseCidr(cidr: string): { octets: number[]; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { octets, prefix };
}

/** Issuer and JWKS URLs of an external IdP: https only, so tokens and keys never travel in clear. */
export function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "";
  } catch {
    return false;
  }
}

/** A Triton version directory the gateway can pin; at most 9 digits so it stays a safe integer. */
export function isModelVersion(value: string): boolean {
  return MODEL_VERSION_PATTERN.test(value) && value.length <= 9;
}

/** A replica range an HPA accepts. */
export function isReplicaRange(min: number, max: number): boolean {
  return Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min;
}
