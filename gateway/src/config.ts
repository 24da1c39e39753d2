import os from "node:os";
import path from "node:path";
import { parseAlgorithms } from "./config/auth";
import { parseBuckets } from "./config/backend";
import { parseDeidModel, parseOperators } from "./config/deid";
import { filePath } from "./config/files";
import { DEFAULT_LOCAL_DEV_DIR, LOCAL_DEV_ISSUER, localDevFiles } from "./config/local-dev";
import type { GatewayConfig, LocalDevFiles } from "./config/types";
import { DEID_OPERATORS } from "./contracts";
import {
  ALL_SCOPES,
  BACKEND_KINDS,
  REQUEST_DEADLINE as DEADLINE,
  DEFAULT_AUDIENCE,
  DEFAULT_HOST,
  DEFAULT_MODEL_NAME,
  DEFAULT_MODEL_PRECISION,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  GATEWAY_ENV as E,
  GATEWAY_PORTS,
  MODEL_PRECISIONS,
  MODEL_VERSION_PATTERN,
  PRODUCTION_NODE_ENV,
  SCOPES,
} from "./deployment-contract";
import { ConfigError, type Env, Reader } from "./env-reader";
import { defaultSessions } from "./inference/ort-session-pool";
import { CHECKOUT_MODEL_REPOSITORY } from "./inference/repository-layout";

/**
 * The gateway's whole environment contract, parsed once at start. Every bad value fails with one sentence
 * naming the variable, what it must be and what it was, so a misconfigured pod says why in its first log line.
 * Each section's parsing rules live under config/; this file decides the order and the cross-section rules.
 */

export { ALLOWED_JWT_ALGORITHMS } from "./config/auth";
export {
  DEFAULT_LOCAL_DEV_DIR,
  LOCAL_DEV_CLIENT_ID,
  LOCAL_DEV_ISSUER,
  localDevFiles,
} from "./config/local-dev";
export type {
  AuthConfig,
  DeidSettings,
  GatewayConfig,
  HttpConfig,
  JwksSource,
  LimitsConfig,
  LocalDevFiles,
  OAuthConfig,
} from "./config/types";
// Defined in the deployment contract and config/; re-exported because the rest of the gateway reads them here.
export { ALL_SCOPES, ConfigError, type Env, SCOPES };

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

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
        sessions: r.int(E.ORT_SESSIONS, defaultSessions(os.availableParallelism()), 1, 64),
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
