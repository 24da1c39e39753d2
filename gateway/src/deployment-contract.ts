/**
 * What the Pulumi stack and the gateway agree on: the environment variables the gateway reads, the defaults
 * the stack relies on, the OAuth scopes, the client-secret hash, the files the stack mounts and the ports it
 * exposes. The stack imports this module (package export `@clinical-inference/gateway/deployment-contract`)
 * instead of repeating literals, so a rename on one side is a compile error on the other. It must stay free
 * of Pulumi and of the rest of the gateway: the production image builds it, and the stack loads it without
 * loading Express or ONNX Runtime.
 */

/** Every environment variable parseConfig reads, keyed by itself so a typo is a type error. */
const names = <const T extends readonly string[]>(...list: T): { readonly [K in T[number]]: K } =>
  Object.fromEntries(list.map((n) => [n, n])) as { readonly [K in T[number]]: K };

export const GATEWAY_ENV = names(
  "NODE_ENV",
  "LOG_LEVEL",
  "HOST",
  "PORT",
  "METRICS_PORT",
  "MAX_BODY_BYTES",
  "MAX_TEXT_CHARS",
  "MAX_BATCH_TEXTS",
  "SHUTDOWN_TIMEOUT_MS",
  "LOCAL_DEV_DIR",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "JWT_ALGORITHMS",
  "JWT_CLOCK_TOLERANCE_S",
  "JWT_JWKS_URL",
  "JWT_JWKS_FILE",
  "TOKEN_CACHE_SIZE",
  "OAUTH_SIGNING_KEY_FILE",
  "OAUTH_CLIENTS_FILE",
  "OAUTH_TOKEN_TTL_S",
  "RATE_LIMIT_RPS",
  "RATE_LIMIT_BURST",
  "MAX_INFLIGHT",
  "MAX_PENDING",
  "REQUEST_DEADLINE_MS",
  "BACKEND",
  "MODEL_REPOSITORY",
  "MODEL_NAME",
  "MODEL_VERSION",
  "MODEL_PRECISION",
  "SEQUENCE_BUCKETS",
  "BATCHING",
  "BATCH_MAX_SIZE",
  "BATCH_MAX_QUEUE_DELAY_MS",
  "BATCH_MAX_QUEUE",
  "ORT_SESSIONS",
  "ORT_INTRA_OP_THREADS",
  "ORT_INTER_OP_THREADS",
  "TRITON_URL",
  "TRITON_TIMEOUT_MS",
  "TRITON_RETRIES",
  "TRITON_BINARY",
  "DEID_DEFAULT_OPERATOR",
  "DEID_OPERATORS",
  "DEID_STRICT",
  "DEID_MAX_SHIFT_DAYS",
  "DEID_KEY_FILE",
  "DEID_MODEL",
);
export type GatewayEnvName = keyof typeof GATEWAY_ENV;

/** DEID_MODEL value that runs the rules without the learned detector. */
export const DEID_MODEL_OFF = "off";

/** NODE_ENV value that turns off local-development fallbacks (generated keys). */
export const PRODUCTION_NODE_ENV = "production";
export const BACKEND_KINDS = ["embedded", "triton"] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** parseConfig's defaults that the stack leans on: the ports it exposes, the audience it tells clients. */
export const GATEWAY_PORTS = { http: 8080, metrics: 9090 } as const;
export const DEFAULT_HOST = "0.0.0.0";
export const DEFAULT_AUDIENCE = "clinical-inference";
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25000;
/**
 * REQUEST_DEADLINE_MS: the latency budget of a /v1/sentiment request, from arrival to answer. 1 s is about 3× the
 * p99 both CPU benchmark paths show at 60% of saturation and ~20× a T4's p95 (docs/operations.md).
 */
export const REQUEST_DEADLINE = { defaultMs: 1000, minMs: 10, maxMs: 120_000 } as const;
export const DEFAULT_MODEL_NAME = "distilbert_sst2";
/**
 * MODEL_PRECISION: which model file of the version the embedded backend runs. int8 (dynamic quantization) is the
 * CPU default: about 3x fp32's throughput on VNNI CPUs at 0.999 logit correlation (docs/models.md), and the export
 * refuses to publish an int8 file that loses more than a point of SST-2 accuracy.
 */
export const MODEL_PRECISIONS = ["fp32", "int8"] as const;
export type ModelPrecision = (typeof MODEL_PRECISIONS)[number];
export const DEFAULT_MODEL_PRECISION: ModelPrecision = "int8";
/** Triton version directories are positive integers; MODEL_VERSION pins one. */
export const MODEL_VERSION_PATTERN = /^[1-9]\d*$/;

export const SCOPES = {
  invoke: "inference:invoke",
  deidentify: "phi:deidentify",
} as const;
export type OAuthScope = (typeof SCOPES)[keyof typeof SCOPES];
/** Typed as strings: callers test untrusted input against it (isScope narrows). */
export const ALL_SCOPES: readonly string[] = [SCOPES.invoke, SCOPES.deidentify];
export function isScope(value: unknown): value is OAuthScope {
  return typeof value === "string" && ALL_SCOPES.includes(value);
}

/** Shortest client secret either side accepts (the stack for its config, the CLI for hash-secret). */
export const MIN_CLIENT_SECRET_CHARS = 16;

export interface Mount {
  dir: string;
  file: string;
}
/** Where the stack mounts each file the gateway reads; one directory per Secret/ConfigMap. */
export const MOUNTS = {
  deidKey: { dir: "/etc/gateway/deid", file: "deid.key" },
  signingKey: { dir: "/etc/gateway/signing", file: "private-key.pem" },
  clients: { dir: "/etc/gateway/clients", file: "clients.json" },
  jwks: { dir: "/etc/gateway/jwks", file: "jwks.json" },
} as const satisfies Record<string, Mount>;

export function mountedPath(mount: Mount): string {
  return `${mount.dir}/${mount.file}`;
}

export { hashSecret, SCRYPT_DEFAULTS } from "./oauth/secret-hash";

/** OAUTH_CLIENTS_FILE: what the stack writes and the gateway's token endpoint reads. */
export interface ClientsFile {
  clients: { client_id: string; secret_hash: string; scopes: readonly string[] }[];
}
