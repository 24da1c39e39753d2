import { Writable } from "node:stream";
import type { Express } from "express";
import { type AppOptions, type AppState, createApp } from "../../src/app";
import { type GatewayConfig, parseConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { createMetrics, type GatewayMetrics } from "../../src/metrics";
import { loadClients } from "../../src/oauth/clients";
import { loadSigner } from "../../src/oauth/signer";
import { DictionaryDeidentifier, RecordingBackend } from "./doubles";
import { createTestKeys, TEST_AUDIENCE, TEST_ISSUER, type TestKeys } from "./keys";

export const PHI_DICTIONARY: ReadonlyArray<[string, "NAME" | "MRN" | "DATE" | "PHONE" | "SSN" | "EMAIL"]> = [
  ["John Smith", "NAME"],
  ["MRN 12345678", "MRN"],
  ["03/14/2024", "DATE"],
  ["555-867-5309", "PHONE"],
  ["123-45-6789", "SSN"],
  ["john.smith@example.org", "EMAIL"],
];

export function captureLogs(): { lines: string[]; stream: Writable; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream, text: () => lines.join("") };
}

export function testConfig(keys: TestKeys, env: Record<string, string> = {}): GatewayConfig {
  return parseConfig({
    JWT_JWKS_FILE: keys.jwksFile,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    DEID_KEY_FILE: keys.signingKeyFile,
    PORT: "0",
    METRICS_PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    // Tests of the latency budget set it (or send Request-Timeout); the others must not depend on the machine's speed.
    REQUEST_DEADLINE_MS: "60000",
    ...env,
  });
}

export interface TestApp {
  app: Express;
  state: AppState;
  keys: TestKeys;
  config: GatewayConfig;
  metrics: GatewayMetrics;
  logs: ReturnType<typeof captureLogs>;
  backend?: AppOptions["backend"];
}

/**
 * Builds the real app with real token verification over a temp JWKS file, captured logs, and engine doubles
 * unless the test passes `backend: undefined` / `deidentifier: undefined` explicitly.
 */
export async function buildTestApp(
  options: {
    env?: Record<string, string>;
    keys?: TestKeys;
    oauthClientsFile?: string;
  } & Partial<Pick<AppOptions, "backend" | "deidentifier" | "publishedKeys">> = {},
): Promise<TestApp> {
  const keys = options.keys ?? (await createTestKeys());
  const env = { ...options.env };
  if (options.oauthClientsFile) {
    env.OAUTH_SIGNING_KEY_FILE = keys.signingKeyFile;
    env.OAUTH_CLIENTS_FILE = options.oauthClientsFile;
  }
  const config = testConfig(keys, env);
  const logs = captureLogs();
  const logger = createLogger(config.logLevel, logs.stream);
  const metrics = createMetrics({ defaultMetrics: false });
  const backend = "backend" in options ? options.backend : new RecordingBackend();
  const deidentifier =
    "deidentifier" in options ? options.deidentifier : new DictionaryDeidentifier(PHI_DICTIONARY);
  const oauth = config.oauth
    ? {
        signer: await loadSigner(config.oauth.signingKeyFile),
        clients: loadClients(config.oauth.clientsFile),
      }
    : undefined;
  const { app, state } = createApp({
    config,
    logger,
    metrics,
    backend,
    deidentifier,
    oauth,
    publishedKeys: options.publishedKeys,
  });
  return { app, state, keys, config, metrics, logs, backend };
}
