/**
 * The learned PHI detector at run time: loads the ONNX token classifier, featurizes a text exactly as the
 * training data was (features.ts) and decodes its per-token scores into PHI spans with offsets into the
 * original text. A model that is missing, malformed or trained for other features fails `loadDeidModel`
 * with an error naming the file and the fix; callers must treat that as "detector unavailable", never as
 * "no PHI".
 */
import { existsSync } from "node:fs";
import * as ort from "onnxruntime-node";
import type { PhiEntity } from "../contracts";
import { FEATURES_PER_TOKEN, featurize, HASH_BUCKETS, type Token, tokenize } from "./features";
import { decodeSpans, MODEL_LABELS } from "./labels";

import { DEFAULT_DEID_MODEL_PATH } from "./paths";

export { DEFAULT_DEID_MODEL_PATH };

/**
 * A token is PHI when the model gives "outside" less than this probability. Above 0.5 on purpose: a missed
 * identifier leaks, a redacted word only costs precision. Chosen on the dev split with deid-model/threshold.ts,
 * never on the test split: the lowest value at which the model alone reaches its highest recall there (100%;
 * character precision 99.88%, look-alikes kept 99.67%; 0.95 gave 99.98%).
 */
export const DEFAULT_OUTSIDE_BELOW = 0.98;

/** Texts are scored in windows of this many tokens (overlapping by CONTEXT each side): bounded memory. */
const WINDOW_TOKENS = 4096;
const CONTEXT = 8;

export interface DeidModel {
  /** Spans in text order; offsets are UTF-16 indices into `text`, end exclusive. */
  find(text: string): Promise<PhiEntity[]>;
  close(): Promise<void>;
}

export interface DeidModelOptions {
  outsideBelow?: number;
  /** Intra-op threads per run; 1 keeps the detector from competing with request handling for cores. */
  threads?: number;
}

export async function loadDeidModel(
  path: string = DEFAULT_DEID_MODEL_PATH,
  options: DeidModelOptions = {},
): Promise<DeidModel> {
  const outsideBelow = options.outsideBelow ?? DEFAULT_OUTSIDE_BELOW;
  if (!(outsideBelow > 0 && outsideBelow <= 1)) {
    throw new Error(`deid-model: outsideBelow must be in (0, 1], got ${outsideBelow}`);
  }
  if (!existsSync(path)) {
    throw new Error(`deid-model: no model at ${path}; build it with: npm run deid-model:train -w gateway`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
      // Worker threads that spin-wait between runs burn a core's worth of CPU the request path needs.
      extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
    });
  } catch (err) {
    throw new Error(
      `deid-model: ${path} is not a loadable ONNX model (${(err as Error).message.split("\n")[0]})`,
    );
  }
  await checkContract(session, path);
  return {
    async find(text: string): Promise<PhiEntity[]> {
      if (typeof text !== "string") throw new TypeError("deid-model: text must be a string");
      const tokens = tokenize(text);
      const spans: PhiEntity[] = [];
      for (let from = 0; from < tokens.length; from += WINDOW_TOKENS) {
        const to = Math.min(tokens.length, from + WINDOW_TOKENS);
        const window = tokens.slice(Math.max(0, from - CONTEXT), Math.min(tokens.length, to + CONTEXT));
        const logits = await run(session, featurize(text, window), window.length);
        // Context tokens only inform the core's scores; a span counts where it touches the core.
        const coreStart = (tokens[from] as Token).start;
        const coreEnd = (tokens[to - 1] as Token).end;
        for (const s of decodeSpans(window, logits, outsideBelow)) {
          if (s.end > coreStart && s.start < coreEnd) spans.push(s);
        }
      }
      return mergeOverlapping(spans);
    },
    close: () => session.release(),
  };
}

async function run(
  session: ort.InferenceSession,
  features: Int32Array,
  tokens: number,
): Promise<Float32Array> {
  const out = await session.run({
    features: new ort.Tensor("int32", features, [tokens, FEATURES_PER_TOKEN]),
  });
  const logits = out.logits;
  if (!logits || !(logits.data instanceof Float32Array))
    throw new Error("deid-model: the model returned no float logits");
  return logits.data;
}

/** Window overlaps can report one span twice or in two halves; overlapping same-type spans become one. */
function mergeOverlapping(spans: PhiEntity[]): PhiEntity[] {
  const out: PhiEntity[] = [];
  for (const s of spans.sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && last.type === s.type && s.start < last.end) {
      last.end = Math.max(last.end, s.end);
      last.score = Math.max(last.score, s.score);
    } else out.push({ ...s });
  }
  return out;
}

/**
 * A model trained for another label list or hash size would mislabel every span without failing, so a probe
 * run checks both: the highest feature id must be valid, and there must be one score per label.
 */
async function checkContract(session: ort.InferenceSession, path: string): Promise<void> {
  const fail = (why: string): Error =>
    new Error(
      `deid-model: ${path} does not match this gateway's detector (${why}); retrain it with: npm run deid-model:train -w gateway`,
    );
  if (!session.inputNames.includes("features"))
    throw fail(`no "features" input, has ${session.inputNames.join(", ")}`);
  if (!session.outputNames.includes("logits"))
    throw fail(`no "logits" output, has ${session.outputNames.join(", ")}`);
  let logits: Float32Array;
  try {
    logits = await run(session, new Int32Array(FEATURES_PER_TOKEN).fill(HASH_BUCKETS - 1), 1);
  } catch (err) {
    throw fail(`probe run failed: ${(err as Error).message.split("\n")[0]}`);
  }
  if (logits.length !== MODEL_LABELS.length)
    throw fail(`${logits.length} labels, expected ${MODEL_LABELS.length}`);
}
