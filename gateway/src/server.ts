import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { type AppOptions, createApp } from "./app";
import type { InferenceBackend } from "./contracts";

/**
 * Runs the API and metrics listeners and owns the shutdown sequence: on SIGTERM readiness fails at once,
 * the listener stops accepting, requests already in flight finish, then the backend closes and the
 * process exits. Kubernetes rolls pods without dropping requests this way.
 */

export interface RunningGateway {
  port: number;
  metricsPort: number;
  /** Drains and closes everything; resolves to the exit code (0 drained, 1 forced after the timeout). */
  shutdown(reason: string): Promise<number>;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startGateway(
  options: AppOptions,
  lifecycle: { exitOnSignals?: boolean } = {},
): Promise<RunningGateway> {
  const { config, logger, metrics } = options;
  const { app, state } = createApp(options);

  const server = http.createServer(app);
  // Longer than typical load-balancer idle timeouts, so the balancer closes first and never reuses a
  // connection the gateway just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;

  const metricsServer = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/metrics") {
      metrics.render().then(
        (body) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" }).end("only GET /metrics is served here\n");
  });

  const port = await listen(server, config.http.port, config.http.host);
  const metricsPort = await listen(metricsServer, config.http.metricsPort, config.http.host);
  let shuttingDown: Promise<number> | undefined;
  const shutdown = (reason: string): Promise<number> => {
    shuttingDown ??= drain(
      reason,
      server,
      metricsServer,
      state,
      options.backend,
      config.http.shutdownTimeoutMs,
      logger,
    );
    return shuttingDown;
  };
  const running = { port, metricsPort, shutdown };
  // The handlers go in before the listening line: a supervisor that signals as soon as it reads it gets a drain.
  if (lifecycle.exitOnSignals) exitOnSignals(running);
  logger.info(
    { port, metricsPort, host: config.http.host, backend: options.backend?.kind },
    "gateway listening",
  );
  return running;
}

async function drain(
  reason: string,
  server: http.Server,
  metricsServer: http.Server,
  state: { draining: boolean },
  backend: InferenceBackend | undefined,
  timeoutMs: number,
  logger: Logger,
): Promise<number> {
  logger.info({ reason, timeoutMs }, "draining: readiness now fails, in-flight requests will finish");
  state.draining = true;
  let forced = false;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections become idle once their in-flight response is written; close them as they do.
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => {
    forced = true;
    logger.warn("drain timeout reached: closing remaining connections");
    server.closeAllConnections();
  }, timeoutMs);
  server.closeIdleConnections();
  await closed;
  clearInterval(sweeper);
  clearTimeout(deadline);
  try {
    await backend?.close();
  } catch (err) {
    logger.warn({ err: { name: (err as Error).name } }, "backend close failed");
  }
  // Prometheus keeps its scrape connection alive; the drain is over, so nothing on it is worth waiting for.
  const metricsClosed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
  metricsServer.closeAllConnections();
  await metricsClosed;
  logger.info({ forced }, "drained");
  return forced ? 1 : 0;
}

/** SIGTERM (Kubernetes) and SIGINT (Ctrl-C) drain, then exit with the drain's code. */
export function exitOnSignals(running: RunningGateway): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then((code) => process.exit(code));
    });
  }
}
