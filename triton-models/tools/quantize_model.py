"""Writes the int8 variant of a model version: ONNX Runtime dynamic quantization (int8 weights, activations
quantized per batch at run time) of the fp32 model.onnx, next to it.

  .venv/bin/python triton-models/tools/quantize_model.py --fp32 <dir>/model.onnx --int8 <dir>/model.int8.onnx \
      --report <dir>/model.int8.json [--synthetic] [--heads 12 --hidden 768]

Two candidates are built: the plain graph quantized, and the graph first passed through ONNX Runtime's
transformer optimizer (attention, LayerNorm and GELU fusions) then quantized. The optimizer's output is kept
only when it measures faster here (batch 16 x 32 tokens); both timings go into the report, so the choice is
evidence, not a belief. The report also holds fp32-vs-int8 agreement on seeded random token ids (logit
correlation, label agreement), labelled synthetic when the weights are: agreement of random weights says how
faithful the arithmetic is, not how accurate the model is (export_hf_model.py measures SST-2 accuracy).

Cached: when the report names the current fp32 file's sha256 and this tool's own sha256, nothing is redone.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import sys
import tempfile
import time

from file_digest import sha256

TIMING_SHAPE = (16, 32)  # the bucket most benchmark traffic lands in, at the gateway's batch size
TIMING_RUNS = 5
AGREEMENT_SEED = 13
AGREEMENT_SAMPLES = 64
AGREEMENT_SEQUENCE = 32


def quantize(source: pathlib.Path, target: pathlib.Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Fused contrib ops (com.microsoft Attention) defeat shape inference; their weights are plain floats.
    extra = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, extra_options=extra)


def optimize(source: pathlib.Path, target: pathlib.Path, heads: int, hidden: int) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    # opt_level 0: the Python fusions only; the ONNX Runtime pre-pass imports torch, which .venv does not have,
    # and the serving session applies ONNX Runtime's own graph optimizations anyway.
    optimized = optimize_model(str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
    optimized.save_model_to_file(str(target))


def session(path: pathlib.Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def inputs(batch: int, sequence: int, vocab: int, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = rng.integers(1000, vocab, size=(batch, sequence), dtype=np.int64)
    lengths = rng.integers(4, sequence + 1, size=batch)
    mask = (np.arange(sequence)[None, :] < lengths[:, None]).astype(np.int64)
    ids[:, 0] = 101  # [CLS]
    return {"input_ids": ids * mask, "attention_mask": mask}


def seconds_per_run(path: pathlib.Path, vocab: int) -> float:
    s = session(path)
    feed = inputs(*TIMING_SHAPE, vocab, seed=1)
    s.run(["logits"], feed)
    start = time.perf_counter()
    for _ in range(TIMING_RUNS):
        s.run(["logits"], feed)
    return (time.perf_counter() - start) / TIMING_RUNS


def agreement(fp32: pathlib.Path, int8: pathlib.Path, vocab: int, synthetic: bool) -> dict:
    import numpy as np

    feed = inputs(AGREEMENT_SAMPLES, AGREEMENT_SEQUENCE, vocab, seed=AGREEMENT_SEED)
    a = session(fp32).run(["logits"], feed)[0]
    b = session(int8).run(["logits"], feed)[0]
    return {
        "synthetic": synthetic,
        "samples": AGREEMENT_SAMPLES,
        "sequenceLength": AGREEMENT_SEQUENCE,
        "logitCorrelation": round(float(np.corrcoef(a.ravel(), b.ravel())[0, 1]), 6),
        "labelAgreement": round(float(np.mean(a.argmax(1) == b.argmax(1))), 6),
        "maxAbsLogitDifference": round(float(np.max(np.abs(a - b))), 6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Dynamic int8 quantization of a model version's model.onnx.")
    parser.add_argument("--fp32", required=True, type=pathlib.Path)
    parser.add_argument("--int8", required=True, type=pathlib.Path)
    parser.add_argument("--report", required=True, type=pathlib.Path)
    parser.add_argument("--synthetic", action="store_true", help="the weights are random (label the agreement)")
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--hidden", type=int, default=768)
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument("--no-optimizer", action="store_true", help="skip the transformer-optimizer candidate")
    args = parser.parse_args()
    if not args.fp32.is_file():
        print(f"quantize_model: {args.fp32} does not exist", file=sys.stderr)
        sys.exit(1)

    source_sha = sha256(args.fp32)
    tool_sha = sha256(pathlib.Path(__file__))
    if args.int8.is_file() and args.report.is_file():
        previous = json.loads(args.report.read_text(encoding="utf-8"))
        if previous.get("fp32Sha256") == source_sha and previous.get("toolSha256") == tool_sha:
            print(f"quantize_model: {args.int8} up to date")
            return

    with tempfile.TemporaryDirectory(dir=args.int8.parent) as tmp:
        plain = pathlib.Path(tmp) / "plain.int8.onnx"
        quantize(args.fp32, plain)
        timings = {"plain": seconds_per_run(plain, args.vocab)}
        chosen = plain
        optimizer_note = "skipped (--no-optimizer)"
        if not args.no_optimizer:
            try:
                fused = pathlib.Path(tmp) / "fused.onnx"
                optimize(args.fp32, fused, args.heads, args.hidden)
                fused_int8 = pathlib.Path(tmp) / "fused.int8.onnx"
                quantize(fused, fused_int8)
                timings["optimizer"] = seconds_per_run(fused_int8, args.vocab)
                # Keep the fusions only when they pay on this machine; a tie keeps the simpler graph.
                if timings["optimizer"] < timings["plain"] * 0.97:
                    chosen = fused_int8
                optimizer_note = "kept (faster)" if chosen is fused_int8 else "discarded (not faster)"
            except Exception as error:  # the optimizer's pattern matching is version-dependent: report, go on
                optimizer_note = f"failed: {type(error).__name__}: {error}"
        shutil.move(str(chosen), args.int8)

    report = {
        "fp32Sha256": source_sha,
        "toolSha256": tool_sha,
        "int8Sha256": sha256(args.int8),
        "int8Bytes": args.int8.stat().st_size,
        "quantization": "onnxruntime.quantization.quantize_dynamic, QInt8 weights, dynamic uint8 activations",
        "transformerOptimizer": optimizer_note,
        "msPerRunAtBatch16x32": {k: round(v * 1000, 2) for k, v in timings.items()},
        "agreement": agreement(args.fp32, args.int8, args.vocab, args.synthetic),
    }
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    a = report["agreement"]
    label = "SYNTHETIC weights" if args.synthetic else "real weights"
    print(
        f"quantize_model: wrote {args.int8} ({report['int8Bytes'] / 2**20:.1f} MiB; optimizer {optimizer_note}; "
        f"fp32-vs-int8 on {label}: logit correlation {a['logitCorrelation']}, label agreement {a['labelAgreement']})"
    )


if __name__ == "__main__":
    main()
