import { type AuthConfig, ConfigError, type GatewayConfig, parseConfig } from "./config";
import type { InferenceBackend } from "./contracts";
import { createBackend } from "./inference/index";
import { ensureLocalDevFiles, readLocalDevClientSecret } from "./local-dev";
import type { createLogger } from "./logger";
import {
  batchObserver,
  type GatewayMetrics,
  recordModelInfo,
  sojournObserver,
  workerRestartObserver,
} from "./metrics";
import type { TokenSigner } from "./oauth/signer";
import { runGatewayProcess } from "./wiring";

/** Wires the real de-identifier and inference backend into the HTTP app and runs it until SIGTERM. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  if (config.localDev) await ensureLocalDevFiles(config.localDev);
  let backend: InferenceBackend | undefined;
  let gatewayMetrics: GatewayMetrics | undefined;
  const { running, logger, signer } = await runGatewayProcess(config, (log, metrics) => {
    gatewayMetrics = metrics;
    backend = createBackend(config.backend, {
      logger: log.child({ component: "inference" }),
      onBatch: batchObserver(metrics),
      onSojourn: sojournObserver(metrics),
      onWorkerRestart: workerRestartObserver(metrics),
    });
    return backend;
  });
  if (backend) startBackend(backend, logger, gatewayMetrics);
  if (config.localDev && signer) await printLocalWalkthrough(config, signer, running.port);
}

/**
 * The embedded model is part of this process, so failing to load it is fatal. Triton may start after the
 * gateway (or restart), so its start is retried while /readyz keeps the pod out of rotation.
 */
function startBackend(
  backend: InferenceBackend,
  logger: ReturnType<typeof createLogger>,
  metrics: GatewayMetrics | undefined,
) {
  const attempt = (n: number): void => {
    backend.start().then(
      () => {
        if (metrics) recordModelInfo(metrics, backend.modelInfo());
        logger.info({ model: backend.modelInfo(), backend: backend.kind }, "inference backend ready");
      },
      (err: Error) => {
        if (backend.kind === "embedded") {
          logger.fatal({ err: { name: err.name, message: err.message } }, "embedded backend failed to start");
          process.exit(1);
        }
        const delayMs = Math.min(30_000, 1000 * 2 ** Math.min(n, 5));
        logger.warn(
          { err: { name: err.name, message: err.message }, retryInMs: delayMs },
          "backend not ready",
        );
        setTimeout(() => attempt(n + 1), delayMs).unref();
      },
    );
  };
  attempt(0);
}

async function printLocalWalkthrough(
  config: GatewayConfig,
  signer: TokenSigner,
  port: number,
): Promise<void> {
  const auth: AuthConfig = config.auth;
  const token = await signer.sign({
    issuer: auth.issuer,
    audience: auth.audience,
    clientId: "local-dev",
    scope: "inference:invoke phi:deidentify",
    ttlSeconds: 3600,
  });
  const base = `http://127.0.0.1:${port}`;
  const secret = config.localDev ? readLocalDevClientSecret(config.localDev) : "";
  process.stderr.write(
    [
      "",
      `Local development gateway on ${base} (dev keys in ${config.localDev?.dir}).`,
      'A token valid for one hour (or run: npm run token -- --scope "inference:invoke phi:deidentify"):',
      "",
      `  TOKEN=${token}`,
      `  curl -s ${base}/v1/sentiment -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
      `    -d '{"text":"Patient John Smith (MRN 12345678) felt much better after the visit on 03/14/2024."}'`,
      "",
      "Or get one from the token endpoint with the local client:",
      `  curl -s ${base}/oauth2/token -u 'local-dev:${secret}' -d grant_type=client_credentials`,
      "",
    ].join("\n"),
  );
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`gateway: ${message.split("\n")[0]}\n`);
  process.exit(1);
});
