#!/usr/bin/env bash
# Rebuilds the committed learned PHI detector from its recipe: independent corpus (train 2700 notes, dev 450;
# the frozen test split is never read) plus PHI-free ICD-10-CM problem lists -> hashed features ->
# train.py (numpy, seed 1) -> model.onnx + metrics.
#   npm run deid-model:train -w gateway          (or: bash gateway/deid-model/build.sh [extra train.py args])
# DEID_NEGATIVES=N adds N PHI-free documents (negatives.ts) to the training split; DEID_ICD_NEGATIVES=N sets
# the number of problem lists from ICD-10-CM chapters A-N (icd-negatives.ts; default SHIPPED_ICD_NEGATIVES
# there, 0 for none).
# The faster candidate of docs/deid-model-card.md (not shipped: frozen NAME 99.2%) is:
#   DEID_NEGATIVES=8000 OMP_NUM_THREADS=1 bash deid-model/build.sh --dim 16 --hidden 32 --width2 3
# Needs the .local/deid-venv environment from scripts/setup.d/40-deid-python.sh. Takes 1-10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
python="../.local/deid-venv/bin/python"
work="${DEID_MODEL_WORK:-../.local/deid-model}"
if [ ! -x "$python" ]; then
  echo "deid-model: $python missing; run npm run setup first" >&2
  exit 1
fi
negatives=()
if [ "${DEID_NEGATIVES:-0}" != 0 ]; then negatives+=("negatives:$DEID_NEGATIVES"); fi
# The shipped model trains on ICD-10-CM problem lists beside the corpus, as many as icd-negatives.ts says.
if [ -z "${DEID_ICD_NEGATIVES:-}" ]; then negatives+=("icd10cm"); fi
if [ "${DEID_ICD_NEGATIVES:-0}" != 0 ]; then negatives+=("icd10cm:$DEID_ICD_NEGATIVES"); fi
npx tsx deid-model/prepare.ts "$work/train" corpus:train:2700 ${negatives[@]+"${negatives[@]}"}
npx tsx deid-model/prepare.ts "$work/dev" corpus:dev:450
"$python" deid-model/train.py --train "$work/train" --dev "$work/dev" \
  --out deid-model/model.onnx --metrics deid-model/metrics.json --seed 1 --epochs 6 "$@"
# The repository's formatter owns JSON layout; keep the committed metrics lint-clean.
npx biome format --write deid-model/metrics.json >/dev/null
