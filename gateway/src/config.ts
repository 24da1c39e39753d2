import path from "node:path";
import type { BackendConfig, DeidConfig, DeidOperator, PhiType } from "./contracts";
import { DEID_OPERATORS } from "./contracts";
import { parseOperatorSpec } from "./deid/index";
import { DEFAULT_DEID_MODEL_PATH, type DeidModelSetting } from "./deid-model/paths";
import {
  ALL_SCOPES,
  BACKEND_KINDS,
  REQUEST_DEADLINE as DEADLINE,
  DEFAULT_AUDIENCE,
  DEFAULT_HOST,
  DEFAULT_MODEL_NAME,
  DEFAULT_MODEL_PRECISION,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEID_MODEL_OFF,
  GATEWAY_ENV as E,
  GATEWAY_PORTS,
  MODEL_PRECISIONS,
  MODEL_VERSION_PATTERN,
  PRODUCTION_NODE_ENV,
  SCOPES,
} from "./deployment-contract";
import { ConfigError, type Env, Reader } from "./env-reader";
import { CHECKOUT_MODEL_REPOSITORY } from "./inference/repository-layout";

/**
 * The gateway's whole environment contract, parsed once at start. Every bad value fails with one sentence
 * naming the variable, what it must be and what it was, so a misconfigured pod says why in its first log line.
 */

/** Only asymmetric algorithms: a shared-secret algorithm would let anyone holding the public key mint tokens. */
export const ALLOWED_JWT_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

// Defined in the deployment contract; re-exported because the rest of the gateway reads them from config.
export { ALL_SCOPES, ConfigError, type Env, SCOPES };

/** Where `npm start` keeps generated development secrets: git-ignored via `.local/`. */
export const DEFAULT_LOCAL_DEV_DIR = path.resolve(__dirname, "..", "..", ".local", "dev-keys");
export const LOCAL_DEV_ISSUER = "urn:clinical-inference:local-dev";
export const LOCAL_DEV_CLIENT_ID = "local-dev";

export interface LocalDevFiles {
  dir: string;
  signingKeyFile: string;
  jwksFile: string;
  clientsFile: string;
  clientSecretFile: string;
  deidKeyFile: string;
}

export function localDevFiles(dir: string): LocalDevFiles {
  return {
    dir,
    signingKeyFile: path.join(dir, "signing-key.pem"),
    jwksFile: path.join(dir, "jwks.json"),
    clientsFile: path.join(dir, "clients.json"),
    clientSecretFile: path.join(dir, "client-secret.txt"),
    deidKeyFile: path.join(dir, "deid.key"),
  };
}

export type JwksSource = { kind: "file"; path: string } | { kind: "url"; url: URL };

export interface AuthConfig {
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceS: number;
  jwks: JwksSource;
  tokenCacheSize: number;
}

export interface OAuthConfig {
  signingKeyFile: string;
  clientsFile: string;
  tokenTtlS: number;
}

export interface HttpConfig {
  host: string;
  port: number;
  metricsPort: number;
  maxBodyBytes: number;
  maxTextChars: number;
  maxBatchTexts: number;
  shutdownTimeoutMs: number;
}

export interface LimitsConfig {
  rateLimitRps: number;
  rateLimitBurst: number;
  maxInflight: number;
  maxPending: number;
  /** Latency budget of a request whose client asks for no less (Request-Timeout header). */
  requestDeadlineMs: number;
}

export type DeidSettings = Omit<DeidConfig, "key"> & { keyFile: string; model: DeidModelSetting };

export interface GatewayConfig {
  /** local-dev: no JWKS configured and not production; secrets are generated under localDev.dir. */
  mode: "local-dev" | "configured";
  localDev?: LocalDevFiles;
  logLevel: string;
  http: HttpConfig;
  auth: AuthConfig;
  /** Undefined when the gateway does not issue tokens (POST /oauth2/token answers 404). */
  oauth?: OAuthConfig;
  limits: LimitsConfig;
  backend: BackendConfig;
  deid: DeidSettings;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function parseAlgorithms(r: Reader): string[] {
  const value = r.string(E.JWT_ALGORITHMS, "RS256,ES256");
  const algorithms = value
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  const bad = algorithms.find((a) => !(ALLOWED_JWT_ALGORITHMS as readonly string[]).includes(a));
  if (bad !== undefined || algorithms.length === 0) {
    throw new ConfigError(
      `JWT_ALGORITHMS must be a comma-separated list of ${ALLOWED_JWT_ALGORITHMS.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(algorithms)];
}

function parseBuckets(r: Reader): number[] {
  const value = r.string(E.SEQUENCE_BUCKETS, "16,32,64,128,256,512");
  const parts = value.split(",").map((p) => p.trim());
  const buckets = parts.map(Number);
  const valid =
    parts.every((p) => /^\d+$/.test(p)) &&
    buckets.every((b, i) => b >= 2 && b <= 512 && (i === 0 || b > (buckets[i - 1] as number)));
  if (!valid) {
    throw new ConfigError(
      `SEQUENCE_BUCKETS must be strictly ascending integers 2-512 separated by commas, got ${JSON.stringify(value)}`,
    );
  }
  return buckets;
}

function parseOperators(r: Reader): Partial<Record<PhiType, DeidOperator>> {
  const value = r.raw(E.DEID_OPERATORS);
  if (value === undefined) return {};
  try {
    return parseOperatorSpec(value);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

function parseDeidModel(r: Reader): DeidModelSetting {
  const value = r.raw(E.DEID_MODEL);
  if (value === undefined) return { kind: "file", path: DEFAULT_DEID_MODEL_PATH };
  const trimmed = value.trim();
  if (trimmed === DEID_MODEL_OFF) return { kind: "off" };
  return { kind: "file", path: path.resolve(trimmed) };
}

/** Resolves a file path from the environment against the working directory, as a shell user expects. */
function filePath(r: Reader, name: string): string | undefined {
  const value = r.raw(name);
  return value === undefined ? undefined : path.resolve(value);
}

export function parseConfig(env: Env = process.env): GatewayConfig {
  const r = new Reader(env);
  const production = env[E.NODE_ENV] === PRODUCTION_NODE_ENV;

  const jwksUrl = r.url(E.JWT_JWKS_URL);
  const jwksFile = filePath(r, E.JWT_JWKS_FILE);
  if (jwksUrl && jwksFile) {
    throw new ConfigError("JWT_JWKS_URL and JWT_JWKS_FILE are both set: set exactly one");
  }
  const localDevMode = !jwksUrl && !jwksFile;
  if (localDevMode && production) {
    throw new ConfigError(
      "JWT_JWKS_URL or JWT_JWKS_FILE is required when NODE_ENV=production (generated development keys are only for local runs)",
    );
  }
  const localDev = localDevMode
    ? localDevFiles(path.resolve(r.string(E.LOCAL_DEV_DIR, DEFAULT_LOCAL_DEV_DIR)))
    : undefined;

  const issuer = r.raw(E.JWT_ISSUER) ?? (localDev ? LOCAL_DEV_ISSUER : undefined);
  if (issuer === undefined) {
    throw new ConfigError("JWT_ISSUER is required when JWT_JWKS_URL or JWT_JWKS_FILE is set");
  }

  const port = r.int(E.PORT, GATEWAY_PORTS.http, 0, 65535);
  const metricsPort = r.int(E.METRICS_PORT, GATEWAY_PORTS.metrics, 0, 65535);
  if (port === metricsPort && port !== 0) {
    throw new ConfigError(`METRICS_PORT must differ from PORT, both are ${port}`);
  }

  const signingKeyFile = filePath(r, E.OAUTH_SIGNING_KEY_FILE) ?? localDev?.signingKeyFile;
  const clientsFile = filePath(r, E.OAUTH_CLIENTS_FILE) ?? localDev?.clientsFile;
  if ((signingKeyFile === undefined) !== (clientsFile === undefined)) {
    throw new ConfigError(
      "OAUTH_SIGNING_KEY_FILE and OAUTH_CLIENTS_FILE must be set together (the token endpoint needs both)",
    );
  }
  const tokenTtlS = r.int(E.OAUTH_TOKEN_TTL_S, 300, 30, 3600);

  const kind = r.oneOf(E.BACKEND, "embedded", BACKEND_KINDS);
  const modelVersion = r.raw(E.MODEL_VERSION);
  if (modelVersion !== undefined && !MODEL_VERSION_PATTERN.test(modelVersion)) {
    throw new ConfigError(`MODEL_VERSION must be a positive integer, got ${JSON.stringify(modelVersion)}`);
  }
  if (kind === "triton" && modelVersion === undefined) {
    throw new ConfigError(
      "MODEL_VERSION is required when BACKEND=triton (pin the version the gateway expects)",
    );
  }
  const modelName = r.string(E.MODEL_NAME, DEFAULT_MODEL_NAME);
  if (!/^[A-Za-z0-9_.-]+$/.test(modelName)) {
    throw new ConfigError(
      `MODEL_NAME must contain only letters, digits, _ . -, got ${JSON.stringify(modelName)}`,
    );
  }

  const deidKeyFile = filePath(r, E.DEID_KEY_FILE) ?? localDev?.deidKeyFile;
  if (deidKeyFile === undefined) {
    throw new ConfigError("DEID_KEY_FILE is required when JWT_JWKS_URL or JWT_JWKS_FILE is set");
  }

  return {
    mode: localDev ? "local-dev" : "configured",
    localDev,
    logLevel: r.oneOf(E.LOG_LEVEL, "info", LOG_LEVELS),
    http: {
      host: r.string(E.HOST, DEFAULT_HOST),
      port,
      metricsPort,
      maxBodyBytes: r.int(E.MAX_BODY_BYTES, 65536, 64, 16 * 1024 * 1024),
      maxTextChars: r.int(E.MAX_TEXT_CHARS, 8192, 1, 1_000_000),
      maxBatchTexts: r.int(E.MAX_BATCH_TEXTS, 32, 1, 1024),
      shutdownTimeoutMs: r.int(E.SHUTDOWN_TIMEOUT_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, 600000),
    },
    auth: {
      issuer,
      audience: r.string(E.JWT_AUDIENCE, DEFAULT_AUDIENCE),
      algorithms: parseAlgorithms(r),
      clockToleranceS: r.int(E.JWT_CLOCK_TOLERANCE_S, 30, 0, 300),
      jwks: jwksUrl
        ? { kind: "url", url: jwksUrl }
        : { kind: "file", path: jwksFile ?? (localDev as LocalDevFiles).jwksFile },
      tokenCacheSize: r.int(E.TOKEN_CACHE_SIZE, 10000, 0, 1_000_000),
    },
    oauth:
      signingKeyFile !== undefined && clientsFile !== undefined
        ? { signingKeyFile, clientsFile, tokenTtlS }
        : undefined,
    limits: {
      rateLimitRps: r.number(E.RATE_LIMIT_RPS, 50, 0.01, 1_000_000),
      rateLimitBurst: r.int(E.RATE_LIMIT_BURST, 100, 1, 1_000_000),
      maxInflight: r.int(E.MAX_INFLIGHT, 64, 1, 100_000),
      maxPending: r.int(E.MAX_PENDING, 256, 0, 1_000_000),
      requestDeadlineMs: r.int(E.REQUEST_DEADLINE_MS, DEADLINE.defaultMs, DEADLINE.minMs, DEADLINE.maxMs),
    },
    backend: {
      kind,
      modelRepository: path.resolve(r.string(E.MODEL_REPOSITORY, CHECKOUT_MODEL_REPOSITORY)),
      modelName,
      modelVersion,
      sequenceBuckets: parseBuckets(r),
      batching: {
        enabled: r.bool(E.BATCHING, true),
        maxBatchSize: r.int(E.BATCH_MAX_SIZE, 16, 1, 1024),
        maxQueueDelayMs: r.number(E.BATCH_MAX_QUEUE_DELAY_MS, 4, 0, 1000),
        maxQueueSize: r.int(E.BATCH_MAX_QUEUE, 512, 1, 1_000_000),
      },
      embedded: {
        intraOpThreads: r.int(E.ORT_INTRA_OP_THREADS, 0, 0, 256),
        interOpThreads: r.int(E.ORT_INTER_OP_THREADS, 0, 0, 256),
        precision: r.oneOf(E.MODEL_PRECISION, DEFAULT_MODEL_PRECISION, MODEL_PRECISIONS),
      },
      triton: {
        url: (r.url(E.TRITON_URL, "http://localhost:8000") as URL).toString().replace(/\/$/, ""),
        timeoutMs: r.int(E.TRITON_TIMEOUT_MS, 2000, 1, 600000),
        retries: r.int(E.TRITON_RETRIES, 1, 0, 10),
        binary: r.bool(E.TRITON_BINARY, true),
      },
    },
    deid: {
      defaultOperator: r.oneOf(E.DEID_DEFAULT_OPERATOR, "replace", DEID_OPERATORS),
      operators: parseOperators(r),
      strict: r.bool(E.DEID_STRICT, false),
      maxShiftDays: r.int(E.DEID_MAX_SHIFT_DAYS, 365, 1, 3650),
      keyFile: deidKeyFile,
      model: parseDeidModel(r),
    },
  };
}
