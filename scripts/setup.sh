#!/usr/bin/env bash
# Idempotent set-up for local runs and the test suite: runs every step in scripts/setup.d in name order.
# Each step checks whether its work is already done, so `npm test` stays fast after the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
