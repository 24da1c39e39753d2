/**
 * A real gateway process for the SIGTERM test: the production listener, signal handling and drain code,
 * with a backend double whose every call takes DRAIN_TEST_BACKEND_MS, so requests are in flight on demand.
 */

import { parseConfig } from "../../src/config";
import type { Prediction } from "../../src/contracts";
import { createLogger } from "../../src/logger";
import { createMetrics } from "../../src/metrics";
import { startGateway } from "../../src/server";
import { PHI_DICTIONARY } from "./app";
import { DictionaryDeidentifier, RecordingBackend } from "./doubles";

class SlowBackend extends RecordingBackend {
  override async classify(texts: readonly string[]): Promise<Prediction[]> {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.DRAIN_TEST_BACKEND_MS ?? 1000)));
    return super.classify(texts);
  }
}

async function main() {
  const config = parseConfig(process.env);
  const logger = createLogger(config.logLevel);
  await startGateway(
    {
      config,
      logger,
      metrics: createMetrics(),
      backend: new SlowBackend(),
      deidentifier: new DictionaryDeidentifier(PHI_DICTIONARY),
    },
    { exitOnSignals: true },
  );
}

main().catch((err: Error) => {
  process.stderr.write(`drain-server: ${err.message}\n`);
  process.exit(1);
});
