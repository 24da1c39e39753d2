#!/usr/bin/env bash
# Run before `npm start` (root "prestart"): makes sure the default model repository has a model to serve.
# If the served version's model.onnx (triton-models/repository/distilbert_sst2/1/) is missing, generates the SYNTHETIC base-size DistilBERT
# (random weights, real shape and compute, ~256 MiB, a few seconds). It never replaces an existing model.onnx,
# and it refuses to fill in a version whose model-info.json says it is a real (exported) model.
# Then it makes sure the int8 variant (MODEL_PRECISION=int8, the CPU default) is there and current.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Sets version_dir (and model_repository, tokenizer) from gateway/src/inference/repository-layout.ts.
eval "$(node --import tsx triton-models/tools/print-layout.ts)"
info="$version_dir/model-info.json"

if [ -f "$version_dir/model.onnx" ]; then
  exec bash triton-models/tools/quantize-version.sh "$version_dir"
fi
if [ -f "$info" ] && grep -Eq '"synthetic":[[:space:]]*false' "$info"; then
  echo "ensure-base-model: $version_dir/model.onnx is missing but $info describes an exported (non-synthetic) model;" \
    "re-run triton-models/tools/export_hf_model.py (see docs/models.md) instead of generating random weights" >&2
  exit 1
fi
seed_args=()
if [ -f "$info" ]; then
  seed="$(sed -nE 's/^[[:space:]]*"seed":[[:space:]]*([0-9]+).*/\1/p' "$info" | head -n1)"
  [ -n "$seed" ] && seed_args=(--seed "$seed")
fi
echo "ensure-base-model: $version_dir/model.onnx missing; generating the synthetic base model (random weights)"
node --import tsx triton-models/tools/generate-model.ts --size base --out "$version_dir" "${seed_args[@]}"
bash triton-models/tools/quantize-version.sh "$version_dir"
