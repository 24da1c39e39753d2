/**
 * The gateway pipeline with a trivial inference backend, for the gateway-overhead scenario.
 *
 * BENCHMARK INSTRUMENT, NOT A PRODUCT PATH: everything the gateway does per request runs for real (body
 * parsing and validation, JWT signature verification, scope check, rate and concurrency limits,
 * de-identification, metrics, logging, problem responses), but the backend answers without a model, so the
 * measured cost is the gateway's own. Its answers carry the model name "benchmark-instrument" and are not
 * predictions. Configured with the gateway's usual environment contract (PORT, JWT_JWKS_FILE, ...).
 */
import { parseConfig } from "../../gateway/src/config";
import type { BackendStats, InferenceBackend, ModelInfo, Prediction } from "../../gateway/src/contracts";
import { runGatewayProcess } from "../../gateway/src/wiring";

class InstrumentBackend implements InferenceBackend {
  readonly kind = "embedded" as const;
  private calls = 0;
  private items = 0;
  async start(): Promise<void> {}
  async ready(): Promise<boolean> {
    return true;
  }
  modelInfo(): ModelInfo {
    return { name: "benchmark-instrument", version: "0", synthetic: true };
  }
  async classify(texts: readonly string[]): Promise<Prediction[]> {
    this.calls += 1;
    this.items += texts.length;
    // A fixed answer: there is no model here, only the gateway around it.
    return texts.map(() => ({ label: "NEGATIVE", score: 0.5, truncated: false }));
  }
  stats(): BackendStats {
    return { queueDepth: 0, batches: this.calls, batchedItems: this.items };
  }
  async close(): Promise<void> {}
}

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  if (config.localDev) {
    throw new Error(
      "gateway-instrument needs JWT_JWKS_FILE, JWT_ISSUER and DEID_KEY_FILE (the benchmark sets them)",
    );
  }
  await runGatewayProcess(config, () => new InstrumentBackend());
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway-instrument: ${(err as Error).message.split("\n")[0]}\n`);
  process.exit(1);
});
