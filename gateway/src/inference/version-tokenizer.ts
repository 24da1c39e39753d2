/**
 * The tokenizer of one model version, as both backends (and the benchmark) load it: the version's own
 * tokenizer.json from the model repository, with sequence buckets checked against the model's maximum length.
 */
import type { BackendConfig } from "../contracts";
import { validateBuckets } from "./buckets";
import { loadModelArtifacts, type ModelArtifacts } from "./model-repository";
import { SequenceTokenizer } from "./tokenizer";

export interface VersionTokenizer {
  artifacts: ModelArtifacts;
  buckets: number[];
  tokenizer: SequenceTokenizer;
}

export function loadVersionTokenizer(
  config: Pick<BackendConfig, "modelRepository" | "modelName" | "modelVersion" | "sequenceBuckets">,
  options: { requireModelFile: boolean },
): VersionTokenizer {
  const artifacts = loadModelArtifacts(
    config.modelRepository,
    config.modelName,
    config.modelVersion,
    options,
  );
  const buckets = validateBuckets(config.sequenceBuckets, artifacts.info.maxSequenceLength);
  const tokenizer = new SequenceTokenizer(artifacts.tokenizerJson, artifacts.tokenizerConfig, buckets);
  return { artifacts, buckets, tokenizer };
}
