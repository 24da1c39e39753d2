/**
 * The checkout's Triton model repository, named once for everything that reads it: the stack's upload, the
 * gateway's local default, the generator, the config renderer, the setup scripts, benchmarks and tests.
 *
 * `triton-models/repository/` holds exactly what is uploaded to S3 and served by Triton, so the upload needs no
 * skip list; the tools that build it and the local Triton launcher sit beside it, outside it.
 */
import path from "node:path";

/** The project root (this file is gateway/src/inference/, or gateway/dist/inference/ when built). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Relative to the project root: the stack's default `modelRepositoryPath`. */
export const MODEL_REPOSITORY_DIR = "triton-models/repository";
export const CHECKOUT_MODEL_REPOSITORY = path.join(PROJECT_ROOT, MODEL_REPOSITORY_DIR);

/** The files of one model version, and the model's config beside the version folders. */
export const MODEL_FILE = "model.onnx";
export const TOKENIZER_FILE = "tokenizer.json";
export const MODEL_INFO_FILE = "model-info.json";
export const MODEL_CONFIG_FILE = "config.pbtxt";

/** The model and version the checkout serves by default (the version whose tokenizer is committed). */
export const SERVED_MODEL_NAME = "distilbert_sst2";
export const SERVED_MODEL_VERSION = "1";

export function modelDirectory(repository: string, modelName: string): string {
  return path.join(repository, modelName);
}

export function versionDirectory(repository: string, modelName: string, version: string): string {
  return path.join(repository, modelName, version);
}

/** The served version in the checkout: where `npm start` generates its model and exports go by default. */
export const CHECKOUT_VERSION_DIR = versionDirectory(
  CHECKOUT_MODEL_REPOSITORY,
  SERVED_MODEL_NAME,
  SERVED_MODEL_VERSION,
);

/**
 * The one committed tokenizer.json (bert-base-uncased WordPiece; provenance in triton-models/TOKENIZER.md).
 * It lives in the served version so it is uploaded once, with the weights it belongs to; generated models copy it.
 */
export const CHECKOUT_TOKENIZER = path.join(CHECKOUT_VERSION_DIR, TOKENIZER_FILE);
