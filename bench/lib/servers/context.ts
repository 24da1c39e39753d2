/** What every local benchmark server is started from: the model under test, the workload, credentials, paths. */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { ModelArtifacts } from "../../../gateway/src/inference/model-repository";
import type { SequenceTokenizer } from "../../../gateway/src/inference/tokenizer";
import { createLocalIssuer, type LocalIssuer } from "../auth";
import type { Progress } from "../progress";
import type { TokenizedWorkload } from "../workload";

export interface LocalModel {
  /** Triton-layout repository root. */
  repository: string;
  name: string;
  version: string;
  /** <repository>/<name>/<version> */
  versionDir: string;
  buckets: number[];
  /** Encodes a text exactly as the gateway does; used for de-identified texts. */
  bucketOf(text: string): number;
}

export interface LocalContext {
  repoRoot: string;
  runDir: string;
  model: LocalModel;
  workload: TokenizedWorkload;
  issuer: LocalIssuer;
  deidKeyFile: string;
  python: string;
  maxConcurrency: number;
  progress: Progress;
}

export interface LocalContextSource {
  repoRoot: string;
  runDir: string;
  /** Triton-layout repository root and the model in it, loaded with the tokenizer the workload was encoded with. */
  repository: string;
  modelName: string;
  artifacts: ModelArtifacts;
  tokenizer: SequenceTokenizer;
  workload: TokenizedWorkload;
  /** Where the local issuer's keys and the de-identification key are written (the caller removes it). */
  secretsDir: string;
  maxConcurrency: number;
  progress: Progress;
}

/** A context with fresh credentials: a local token issuer and a random de-identification key in `secretsDir`. */
export async function createLocalContext(src: LocalContextSource): Promise<LocalContext> {
  const deidKeyFile = path.join(src.secretsDir, "deid.key");
  writeFileSync(deidKeyFile, randomBytes(32).toString("base64"), { mode: 0o600 });
  return {
    repoRoot: src.repoRoot,
    runDir: src.runDir,
    model: {
      repository: src.repository,
      name: src.modelName,
      version: src.artifacts.version,
      versionDir: src.artifacts.directory,
      buckets: [...src.tokenizer.buckets],
      bucketOf: (text) => src.tokenizer.encode(text).bucket,
    },
    workload: src.workload,
    issuer: await createLocalIssuer(src.secretsDir),
    deidKeyFile,
    python: path.join(src.repoRoot, ".venv", "bin", "python"),
    maxConcurrency: src.maxConcurrency,
    progress: src.progress,
  };
}
