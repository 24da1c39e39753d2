#!/usr/bin/env bash
# Writes the int8 variant beside a version's model.onnx (triton-models/tools/quantize_model.py; cached, so a
# second run with the same model.onnx does nothing). Usage: quantize-version.sh <version dir>
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${1:?usage: quantize-version.sh <version dir>}"

# Sets model_file, int8_file, int8_report from gateway/src/inference/repository-layout.ts.
eval "$(node --import tsx triton-models/tools/print-layout.ts)"  # also sets version_dir: not ours here
info="$target/model-info.json"
field() { sed -nE "s/^[[:space:]]*\"$1\":[[:space:]]*([0-9a-z]+).*/\1/p" "$info" | head -n1; }
args=(--heads "$(field heads)" --hidden "$(field hiddenSize)" --vocab "$(field vocabSize)")
[ "$(field synthetic)" = "true" ] && args+=(--synthetic)
.venv/bin/python triton-models/tools/quantize_model.py --fp32 "$target/$model_file" \
  --int8 "$target/$int8_file" --report "$target/$int8_report" "${args[@]}" 2>&1 |
  grep -v "^WARNING:root:Please consider to run pre-processing"
