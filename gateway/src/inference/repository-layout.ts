/**
 * The checkout's Triton model repository, named once for everything that reads it: the stack's upload, the
 * gateway's local default, the generator, the config renderer, the setup scripts, benchmarks and tests.
 *
 * `triton-models/repository/` holds exactly what is uploaded to S3 and served by Triton, so the upload needs no
 * skip list; the tools that build it and the local Triton launcher sit beside it, outside it.
 */
import path from "node:path";
import { DEFAULT_MODEL_NAME, MODEL_PRECISIONS, type ModelPrecision } from "../deployment-contract";

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
/** The int8 variant (ONNX Runtime dynamic quantization of model.onnx) and what its quantizer measured. */
export const MODEL_INT8_FILE = "model.int8.onnx";
export const INT8_REPORT_FILE = "model.int8.json";
/**
 * Triton's custom model configurations (`--model-config-name`) live in `<model>/configs/<name>.pbtxt`; the
 * committed CPU int8 one sits there beside the default GPU config.pbtxt.
 */
export const CUSTOM_CONFIGS_DIR = "configs";

/** The model file of each precision in a version folder. */
export const MODEL_FILES: { readonly [P in ModelPrecision]: string } = {
  fp32: MODEL_FILE,
  int8: MODEL_INT8_FILE,
};
export { MODEL_PRECISIONS, type ModelPrecision };

/** The model and version the checkout serves by default (the version whose tokenizer is committed). */
export const SERVED_MODEL_NAME = DEFAULT_MODEL_NAME;
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
