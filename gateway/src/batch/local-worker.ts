/**
 * Works in this process through the pipeline `npm start` serves: the same environment contract
 * (parseConfig), the same de-identifier and key, the same backend with its tokenizer and dynamic batcher.
 * Many records are submitted at once so the batcher fills whole batches.
 */
import type { Logger } from "pino";
import type { GatewayConfig } from "../config";
import {
  BackendOverloadedError,
  type DeidentifyResult,
  type InferenceBackend,
  phiSummary,
} from "../contracts";
import { loadServedDeidentifier } from "../deid-model/deidentifier";
import { createBackend } from "../inference/index";
import { ensureLocalDevFiles, readDeidKey } from "../local-dev";
import { type InputRecord, needsSentiment, needsText, type Outcome, type Task, type Worker } from "./record";
import { retryDelayMs, sleep } from "./retry";

export interface LocalWorkerOptions {
  config: GatewayConfig;
  task: Task;
  logger: Logger;
  /** Hook for the batch-size figures of the benchmark. */
  onBatch?: (size: number, bucket: number) => void;
}

export async function createLocalWorker(options: LocalWorkerOptions): Promise<Worker> {
  const { config, task, logger } = options;
  // Local development mode shares npm start's generated de-identification key, so surrogates and date
  // shifts match what the local gateway answers.
  if (config.localDev) await ensureLocalDevFiles(config.localDev);
  const { keyFile, model: deidModel, ...deidSettings } = config.deid;
  // A missing or broken detector stops the run here (the error names the file and DEID_MODEL), before any
  // record is read: the batch never writes text the configured detectors did not see.
  const deidentifier = await loadServedDeidentifier(
    { ...deidSettings, key: readDeidKey(keyFile) },
    deidModel,
  );
  let backend: InferenceBackend | undefined;
  if (needsSentiment(task)) {
    backend = createBackend(config.backend, {
      logger: logger.child({ component: "inference" }),
      onBatch: options.onBatch,
    });
    await backend.start();
  }
  const model = backend?.modelInfo();

  /** The batcher's queue is bounded; a full queue is a reason to wait, not to fail records. */
  const classify = async (texts: readonly string[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await (backend as InferenceBackend).classify(texts);
      } catch (err) {
        if (!(err instanceof BackendOverloadedError) || attempt >= 20) throw err;
        await sleep(retryDelayMs(attempt, undefined));
      }
    }
  };

  return {
    description: model
      ? `local ${config.backend.kind} backend, model ${model.name} version ${model.version}${model.synthetic ? " (synthetic weights)" : ""}`
      : "local de-identifier",
    async process(records: readonly InputRecord[]): Promise<Outcome[]> {
      let cleaned: DeidentifyResult[];
      try {
        cleaned = await Promise.all(records.map((r) => deidentifier.deidentifyAsync(r.text)));
      } catch (err) {
        const reason = `de-identification failed (${(err as Error).name})`;
        return records.map(() => ({ ok: false, reason }));
      }
      let predictions: Awaited<ReturnType<typeof classify>> | undefined;
      if (backend !== undefined) {
        try {
          predictions = await classify(cleaned.map((c) => c.text));
        } catch (err) {
          // Backend messages never hold input text, but the error name is all a reader needs here.
          const reason = `inference failed (${(err as Error).name})`;
          return records.map(() => ({ ok: false, reason }));
        }
      }
      return cleaned.map((c, i): Outcome => {
        const p = predictions?.[i];
        return {
          ok: true,
          result: {
            ...(needsText(task) ? { text: c.text } : {}),
            ...(p === undefined ? {} : { label: p.label, score: p.score, truncated: p.truncated, model }),
            phi: phiSummary(c.counts),
          },
        };
      });
    },
    async close() {
      await backend?.close();
      await deidentifier.close();
    },
  };
}
