#!/usr/bin/env bash
# Creates the shared Python environment (.venv at the repo root) from requirements-dev.txt.
# Idempotent: a stamp holding the sha256 of requirements-dev.txt skips the install when nothing changed.
# Non-interactive (CI has no stdin); prints exactly one line on success.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv
requirements=requirements-dev.txt
stamp="$venv/.requirements.sha256"
python_bin="${PYTHON:-python3}"

if ! command -v "$python_bin" >/dev/null 2>&1; then
  echo "setup/python: '$python_bin' not found; install Python 3.11 (or set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if ! "$python_bin" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)'; then
  echo "setup/python: $("$python_bin" --version 2>&1) is too old; Python >= 3.10 is required (set PYTHON=...)" >&2
  exit 1
fi

want="$(sha256sum "$requirements" | cut -d' ' -f1)"

# Several engineers and test runs may call setup at once: serialise on a lock next to the venv.
mkdir -p .local
exec 9>.local/setup-python.lock
flock 9

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup/python: .venv up to date ($("$venv/bin/python" --version 2>&1), requirements ${want:0:12})"
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  rm -rf "$venv"
  "$python_bin" -m venv "$venv"
fi

log=.local/setup-python.log
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$requirements" >"$log" 2>&1; then
  echo "setup/python: pip install -r $requirements failed; see $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "setup/python: .venv installed from $requirements ($("$venv/bin/python" --version 2>&1), requirements ${want:0:12})"
