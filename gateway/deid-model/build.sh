#!/usr/bin/env bash
# Rebuilds the committed learned PHI detector from its recipe: independent corpus (train 2700 notes, dev 450;
# the frozen test split is never read) plus 6000 PHI-free documents (negatives.ts) -> hashed features ->
# train.py (numpy, seed 1, 32 hidden units, widths 5 and 3) -> model.onnx + metrics.
#   npm run deid-model:train -w gateway          (or: bash gateway/deid-model/build.sh [extra train.py args])
# Needs the .local/deid-venv environment from scripts/setup.d/40-deid-python.sh. Takes 2-10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
python="../.local/deid-venv/bin/python"
work="${DEID_MODEL_WORK:-../.local/deid-model}"
if [ ! -x "$python" ]; then
  echo "deid-model: $python missing; run npm run setup first" >&2
  exit 1
fi
npx tsx deid-model/prepare.ts "$work/train" corpus:train:2700 negatives:6000
npx tsx deid-model/prepare.ts "$work/dev" corpus:dev:450
"$python" deid-model/train.py --train "$work/train" --dev "$work/dev" \
  --out deid-model/model.onnx --metrics deid-model/metrics.json --seed 1 --epochs 6 "$@"
# The repository's formatter owns JSON layout; keep the committed metrics lint-clean.
npx biome format --write deid-model/metrics.json >/dev/null
