/**
 * The gateway process around an inference backend: logger, metrics, the real de-identifier, OAuth2 token issuing
 * and published keys when configured, the listeners, and a drain on SIGTERM/SIGINT. The product entry point
 * (main.ts) and the benchmark's gateway-overhead instrument run exactly this, so the instrument measures the
 * same pipeline the product serves.
 */
import type { Logger } from "pino";
import { readJwksFile } from "./auth/verifier";
import type { GatewayConfig } from "./config";
import type { InferenceBackend } from "./contracts";
import { loadServedDeidentifier } from "./deid-model/deidentifier";
import { readDeidKey } from "./local-dev";
import { createLogger } from "./logger";
import { createMetrics, type GatewayMetrics } from "./metrics";
import { loadClients } from "./oauth/clients";
import { loadSigner, type TokenSigner } from "./oauth/signer";
import { type RunningGateway, startGateway } from "./server";

export interface GatewayProcess {
  running: RunningGateway;
  logger: Logger;
  /** Present when the gateway issues its own tokens (OAUTH_* configured or local development). */
  signer?: TokenSigner;
}

export async function runGatewayProcess(
  config: GatewayConfig,
  backendFor: (logger: Logger, metrics: GatewayMetrics) => InferenceBackend,
): Promise<GatewayProcess> {
  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();
  const { keyFile, model, ...deidSettings } = config.deid;
  // Fail safe: without its configured detector the gateway serves no de-identification at all (readiness and
  // every request that needs it answer 503 dependency-missing), never the rules alone or the raw text.
  const deidentifier = await loadServedDeidentifier(
    { ...deidSettings, key: readDeidKey(keyFile) },
    model,
  ).then(
    (d) => {
      logger.info({ detectors: d.detectors }, "de-identifier loaded");
      return d;
    },
    (error: unknown) => {
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        "de-identifier not loaded",
      );
      return undefined;
    },
  );
  const oauth = config.oauth
    ? {
        signer: await loadSigner(config.oauth.signingKeyFile),
        clients: loadClients(config.oauth.clientsFile),
      }
    : undefined;
  const publishedKeys = config.auth.jwks.kind === "file" ? readJwksFile(config.auth.jwks.path) : undefined;
  const running = await startGateway(
    {
      config,
      logger,
      metrics,
      deidentifier,
      backend: backendFor(logger, metrics),
      oauth,
      publishedKeys,
    },
    { exitOnSignals: true },
  );
  return { running, logger, signer: oauth?.signer };
}
