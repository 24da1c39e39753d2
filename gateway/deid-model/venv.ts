/**
 * Where scripts/setup.d/40-deid-python.sh puts the de-identification Python environment (requirements-deid.txt):
 * the training pipeline, the ICD-10-CM tabular list and the bench peers all come from it.
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/inference/repository-layout";

export const DEID_VENV = join(PROJECT_ROOT, ".local", "deid-venv");
export const DEID_VENV_PYTHON = join(DEID_VENV, "bin", "python");
