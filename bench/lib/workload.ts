/**
 * The benchmark workload: committed clinical sentences (with and without PHI), tokenized with the model's own
 * tokenizer so the reported token lengths and padded buckets are exactly what the model computes on.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { VersionTokenizer } from "../../gateway/src/inference/version-tokenizer";
import { percentile } from "./stats";

export const DEFAULT_WORKLOAD = path.join(__dirname, "..", "workload", "clinical-sentences.jsonl");

export interface WorkloadItem {
  id: string;
  text: string;
  phi: boolean;
}

export interface TokenizedItem extends WorkloadItem {
  /** Tokens including [CLS]/[SEP], before padding. */
  tokens: number;
  /** Padded length sent to the model (the smallest bucket that fits). */
  bucket: number;
  truncated: boolean;
  ids: number[];
}

export interface TokenStats {
  sentences: number;
  withPhi: number;
  tokens: { min: number; p50: number; p95: number; max: number; mean: number };
  /** Sentences per padded length, e.g. {"16": 20, "32": 41, ...}. */
  buckets: Record<string, number>;
  truncated: number;
  /** Which tokenizer produced these numbers. */
  tokenizer: { model: string; version: string; synthetic: boolean; sha256: string };
}

export function readWorkload(file: string): WorkloadItem[] {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`workload file ${file} cannot be read: ${(err as Error).message}`);
  }
  const items: WorkloadItem[] = [];
  for (const [n, line] of raw.split("\n").entries()) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`workload ${file} line ${n + 1} is not JSON`);
    }
    const o = parsed as Partial<WorkloadItem>;
    if (typeof o.id !== "string" || typeof o.text !== "string" || typeof o.phi !== "boolean") {
      throw new Error(`workload ${file} line ${n + 1} needs {"id": string, "text": string, "phi": boolean}`);
    }
    items.push({ id: o.id, text: o.text, phi: o.phi });
  }
  if (items.length === 0) throw new Error(`workload ${file} has no sentences`);
  return items;
}

export interface TokenizedWorkload {
  items: TokenizedItem[];
  stats: TokenStats;
  padId: number;
}

/** The workload as the gateway sends it: encoded with the model version's own tokenizer and buckets. */
export function tokenizeWorkload(
  items: readonly WorkloadItem[],
  { artifacts, tokenizer }: Pick<VersionTokenizer, "artifacts" | "tokenizer">,
): TokenizedWorkload {
  const tokenized = items.map((item) => {
    const enc = tokenizer.encode(item.text);
    return { ...item, tokens: enc.ids.length, bucket: enc.bucket, truncated: enc.truncated, ids: enc.ids };
  });
  const lengths = tokenized.map((t) => t.tokens).sort((a, b) => a - b);
  const buckets: Record<string, number> = {};
  for (const t of tokenized) buckets[String(t.bucket)] = (buckets[String(t.bucket)] ?? 0) + 1;
  return {
    items: tokenized,
    padId: tokenizer.padId,
    stats: {
      sentences: tokenized.length,
      withPhi: tokenized.filter((t) => t.phi).length,
      tokens: {
        min: lengths[0] as number,
        p50: percentile(lengths, 50),
        p95: percentile(lengths, 95),
        max: lengths[lengths.length - 1] as number,
        mean: Math.round((lengths.reduce((a, b) => a + b, 0) / lengths.length) * 10) / 10,
      },
      buckets,
      truncated: tokenized.filter((t) => t.truncated).length,
      tokenizer: {
        model: artifacts.info.name,
        version: artifacts.version,
        synthetic: artifacts.info.synthetic,
        sha256: artifacts.tokenizerSha256,
      },
    },
  };
}

/** The body the gateway, the FastAPI peer and the echo server all take: {"text": "..."}. */
export function textBodies(items: readonly WorkloadItem[]): string[] {
  return items.map((i) => JSON.stringify({ text: i.text }));
}

/**
 * KServe v2 inference bodies for Triton-direct scenarios: the client has already tokenized and padded (as the
 * paper's Triton client did), to each item's bucket or to the given lengths, so Triton's batcher sees equal
 * shapes per length.
 */
export function kservePaddedBodies(
  items: readonly TokenizedItem[],
  padId: number,
  lengths: readonly number[] = items.map((i) => i.bucket),
): string[] {
  return items.map((item, k) => {
    const length = lengths[k] as number;
    if (length < item.ids.length)
      throw new Error(`item ${k} has ${item.ids.length} tokens, more than ${length}`);
    const ids = [...item.ids];
    const mask = ids.map(() => 1);
    while (ids.length < length) {
      ids.push(padId);
      mask.push(0);
    }
    return JSON.stringify({
      inputs: [
        { name: "input_ids", shape: [1, length], datatype: "INT64", data: ids },
        { name: "attention_mask", shape: [1, length], datatype: "INT64", data: mask },
      ],
      outputs: [{ name: "logits" }],
    });
  });
}
