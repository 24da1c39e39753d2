import type { BackendConfig, DeidConfig } from "../contracts";
import type { DeidModelSetting } from "../deid-model/paths";

/** The shape `parseConfig` returns: one interface per section, so each consumer can ask for only its own. */

export interface LocalDevFiles {
  dir: string;
  signingKeyFile: string;
  jwksFile: string;
  clientsFile: string;
  clientSecretFile: string;
  deidKeyFile: string;
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
