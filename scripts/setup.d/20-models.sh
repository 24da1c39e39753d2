#!/usr/bin/env bash
# Writes the tiny synthetic model repository the tests use: .local/models/tiny/distilbert_sst2/{config.pbtxt,1/},
# 1/ holding model.onnx and its int8 variant model.int8.onnx (triton-models/tools/quantize-version.sh).
# Idempotent: a stamp with the hash of every input (listed below) skips the work when nothing changed.
# (The base-size model for `npm start` and benchmarks is made by triton-models/tools/ensure-base-model.sh.)
set -euo pipefail
cd "$(dirname "$0")/../.."

repo=.local/models/tiny
model_dir="$repo/distilbert_sst2"
stamp="$repo/.generator.sha256"
# Sets tokenizer (the one committed tokenizer.json) from gateway/src/inference/repository-layout.ts.
eval "$(node --import tsx triton-models/tools/print-layout.ts)"
# Everything this step runs or reads: the generator and the config renderer with the modules they import
# (including the gateway's repository layout, deadline and checksum-parameter names that config.pbtxt
# carries), the quantizer with its digest helper and its pinned Python packages, and the tokenizer.
inputs=(
  triton-models/tools/generate-model.ts triton-models/tools/render-config.ts triton-models/tools/print-layout.ts
  triton-models/tools/model/*.ts triton-models/tools/model-config/*.ts
  gateway/src/inference/repository-layout.ts gateway/src/inference/triton-model-checks.ts
  gateway/src/deployment-contract.ts
  triton-models/tools/quantize-version.sh triton-models/tools/quantize_model.py triton-models/tools/file_digest.py
  requirements-dev.txt "$tokenizer"
)
for input in "${inputs[@]}"; do
  [ -f "$input" ] || { echo "setup/models: $input is missing (an input of the tiny model); update ${BASH_SOURCE[0]}" >&2; exit 1; }
done
# Per-file hashes with their names, so moving code between two inputs also changes the stamp.
want="$(sha256sum "${inputs[@]}" | sha256sum | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$model_dir/1/model.onnx" ] && [ -f "$model_dir/1/model.int8.onnx" ] && [ -f "$model_dir/config.pbtxt" ]; then
  echo "setup/models: $model_dir up to date (tiny, synthetic)"
  exit 0
fi

mkdir -p "$repo"
log=.local/setup-models.log
if ! node --import tsx triton-models/tools/generate-model.ts --size tiny --out "$model_dir/1" >"$log" 2>&1 ||
  ! node --import tsx triton-models/tools/render-config.ts --variant cpu --model-dir "$model_dir" >>"$log" 2>&1 ||
  ! bash triton-models/tools/quantize-version.sh "$model_dir/1" >>"$log" 2>&1; then
  echo "setup/models: generating the tiny test model failed; see $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "setup/models: wrote $model_dir (tiny synthetic model, its int8 variant, CPU config.pbtxt)"
