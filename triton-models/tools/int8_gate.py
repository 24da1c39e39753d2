"""The int8 publication gate: an int8 model is published beside the fp32 one only when it loses at most one
point of SST-2 validation accuracy. Used by export_hf_model.py; runnable alone so the gate can be checked with
given accuracies and a staged file, without torch or weights:

  python triton-models/tools/int8_gate.py --fp32-accuracy 0.9106 --int8-accuracy 0.9002 \
      --staged /tmp/model.int8.onnx --target <version dir>/model.int8.onnx
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import sys

MAX_ACCURACY_DROP_POINTS = 1.0


def accuracy_line(fp32_accuracy: float, int8_accuracy: float) -> str:
    drop = (fp32_accuracy - int8_accuracy) * 100
    return (
        f"SST-2 validation accuracy: fp32 {fp32_accuracy * 100:.2f}%, int8 {int8_accuracy * 100:.2f}% "
        f"(drop {drop:.2f} points, limit {MAX_ACCURACY_DROP_POINTS:.1f})"
    )


def passes(fp32_accuracy: float, int8_accuracy: float) -> bool:
    return (fp32_accuracy - int8_accuracy) * 100 <= MAX_ACCURACY_DROP_POINTS


def publish_int8(staged: pathlib.Path, target: pathlib.Path, fp32_accuracy: float, int8_accuracy: float) -> bool:
    """Moves the staged int8 file to `target` when it passes; otherwise deletes it and any older `target`
    (an int8 file beside a new fp32 model would belong to the old weights). Prints both accuracies either way."""
    for value in (fp32_accuracy, int8_accuracy):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"accuracies are fractions in [0, 1], got {value}")
    line = accuracy_line(fp32_accuracy, int8_accuracy)
    if passes(fp32_accuracy, int8_accuracy):
        shutil.move(str(staged), target)
        print(f"int8 gate: {line}: published {target}", flush=True)
        return True
    staged.unlink(missing_ok=True)
    target.unlink(missing_ok=True)
    print(f"int8 gate: {line}: REFUSED, int8 not published (serve MODEL_PRECISION=fp32)", file=sys.stderr, flush=True)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description="Publish an int8 model only when it keeps SST-2 accuracy.")
    parser.add_argument("--fp32-accuracy", type=float, required=True)
    parser.add_argument("--int8-accuracy", type=float, required=True)
    parser.add_argument("--staged", type=pathlib.Path, required=True)
    parser.add_argument("--target", type=pathlib.Path, required=True)
    args = parser.parse_args()
    if not args.staged.is_file():
        parser.error(f"--staged {args.staged} does not exist")
    try:
        ok = publish_int8(args.staged, args.target, args.fp32_accuracy, args.int8_accuracy)
    except ValueError as error:
        parser.error(str(error))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
