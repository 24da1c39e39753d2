/**
 * The checkout's model-repository paths as shell assignments, so shell scripts take them from
 * gateway/src/inference/repository-layout.ts instead of repeating them:
 *
 *   eval "$(node --import tsx triton-models/tools/print-layout.ts)"
 *
 * Paths are relative to the project root (the scripts cd there first).
 */
import { relative } from "node:path";
import {
  CHECKOUT_MODEL_REPOSITORY,
  CHECKOUT_TOKENIZER,
  CHECKOUT_VERSION_DIR,
  INT8_REPORT_FILE,
  MODEL_FILE,
  MODEL_INT8_FILE,
  PROJECT_ROOT,
} from "../../gateway/src/inference/repository-layout";

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
const fromRoot = (absolute: string) => quote(relative(PROJECT_ROOT, absolute));

console.log(
  [
    `model_repository=${fromRoot(CHECKOUT_MODEL_REPOSITORY)}`,
    `version_dir=${fromRoot(CHECKOUT_VERSION_DIR)}`,
    `tokenizer=${fromRoot(CHECKOUT_TOKENIZER)}`,
    `model_file=${quote(MODEL_FILE)}`,
    `int8_file=${quote(MODEL_INT8_FILE)}`,
    `int8_report=${quote(INT8_REPORT_FILE)}`,
  ].join("\n"),
);
