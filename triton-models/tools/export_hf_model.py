"""Exports the real fine-tuned DistilBERT SST-2 model from Hugging Face into a Triton version directory.

For a machine with internet access (our build machines cannot download model weights). Produces the same
contract as the synthetic generator (triton-models/tools/generate-model.ts):

  <out>/model.onnx        inputs input_ids, attention_mask: INT64 [batch, sequence]; output logits: FP32 [batch, 2]
  <out>/tokenizer.json    the model's own WordPiece tokenizer, padding and truncation off
  <out>/model-info.json   "synthetic": false, the source model id and revision, hashes
  <out>/model.int8.onnx   dynamic int8 quantization, published only when it keeps SST-2 validation accuracy
                          within one point of fp32 (int8_gate.py; both accuracies printed)

Usage:
  pip install "torch>=2.1" "transformers>=4.40" onnxruntime onnx datasets  # "optimum[exporters]" for --method optimum
  python triton-models/tools/export_hf_model.py --out triton-models/repository/distilbert_sst2/2 \
      [--model-id distilbert-base-uncased-finetuned-sst-2-english] [--revision <commit>] [--method torch|optimum]
  npx tsx triton-models/tools/render-config.ts --variant gpu --version 2   # publish the new tokenizer hash
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import sys
import tempfile

from file_digest import sha256

DEFAULT_MODEL_ID = "distilbert-base-uncased-finetuned-sst-2-english"
MODEL_NAME = "distilbert_sst2"
OPSET = 17
EXPECTED_LABELS = {0: "NEGATIVE", 1: "POSITIVE"}


def fail(message: str) -> None:
    print(f"export_hf_model: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def format_json(value: object) -> str:
    """Two-space JSON with arrays of plain values on one line (the layout generate-model.ts and Biome use)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    text = re.sub(
        r"\[\s*([^\[\]{}]*?)\s*\]", lambda m: "[" + ", ".join(re.split(r",\s*", m.group(1))) + "]", text
    )
    return text + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Export distilbert SST-2 from Hugging Face to ONNX for Triton.")
    parser.add_argument("--out", required=True, help="version directory, e.g. triton-models/repository/distilbert_sst2/2")
    parser.add_argument("--model-id", default=DEFAULT_MODEL_ID)
    parser.add_argument("--revision", default="main", help="pin a commit hash for reproducible exports")
    parser.add_argument("--method", choices=["torch", "optimum"], default="torch")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    if not re.fullmatch(r"[1-9][0-9]*", out.name):
        parser.error("--out must end in a numeric Triton version folder, e.g. triton-models/repository/distilbert_sst2/2")
    return args


def main() -> None:
    args = parse_args()
    missing = []
    for module in ("torch", "transformers", "onnxruntime", "numpy", "onnx", "datasets"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if args.method == "optimum":
        try:
            __import__("optimum.exporters.onnx")
        except ImportError:
            missing.append("optimum[exporters]")
    if missing:
        fail(
            f"missing Python packages: {', '.join(missing)}. This export needs internet access and "
            f'`pip install "torch>=2.1" "transformers>=4.40" onnxruntime` (see docs/models.md); '
            "without them use the synthetic model (triton-models/tools/generate-model.ts)"
        )

    import numpy as np
    import onnxruntime as ort
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(args.model_id, revision=args.revision, use_fast=True)
    model = AutoModelForSequenceClassification.from_pretrained(args.model_id, revision=args.revision).eval()
    labels = {int(k): v for k, v in model.config.id2label.items()}
    if labels != EXPECTED_LABELS:
        fail(f"{args.model_id} has labels {labels}; the contract needs {EXPECTED_LABELS}")

    model_path = out / "model.onnx"
    if args.method == "torch":
        export_with_torch(torch, model, model_path)
    else:
        export_with_optimum(args, model_path)

    # The gateway pads to its sequence buckets and truncates itself: the tokenizer file must do neither.
    backend = tokenizer.backend_tokenizer
    backend.no_padding()
    backend.no_truncation()
    tokenizer_path = out / "tokenizer.json"
    backend.save(str(tokenizer_path), pretty=True)

    # Check the exported graph against PyTorch on a padded batch before declaring success.
    texts = ["A gripping, beautifully acted film.", "Dull and far too long; I nearly left."]
    encoded = tokenizer(texts, padding=True, return_tensors="np")
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    onnx_logits = session.run(
        ["logits"],
        {"input_ids": encoded["input_ids"].astype(np.int64), "attention_mask": encoded["attention_mask"].astype(np.int64)},
    )[0]
    with torch.no_grad():
        torch_logits = model(
            input_ids=torch.from_numpy(encoded["input_ids"]), attention_mask=torch.from_numpy(encoded["attention_mask"])
        ).logits.numpy()
    if not np.allclose(onnx_logits, torch_logits, atol=1e-4):
        fail(f"ONNX logits {onnx_logits.tolist()} differ from PyTorch {torch_logits.tolist()}")

    config = model.config
    info = {
        "name": MODEL_NAME,
        "version": out.name,
        "synthetic": False,
        "source": args.model_id,
        "revision": args.revision,
        "maxSequenceLength": int(config.max_position_embeddings),
        "vocabSize": int(config.vocab_size),
        "hiddenSize": int(config.dim),
        "layers": int(config.n_layers),
        "heads": int(config.n_heads),
        "ffnSize": int(config.hidden_dim),
        "labels": ["NEGATIVE", "POSITIVE"],
        "inputs": [
            {"name": "input_ids", "datatype": "INT64", "dims": [-1, -1]},
            {"name": "attention_mask", "datatype": "INT64", "dims": [-1, -1]},
        ],
        "outputs": [{"name": "logits", "datatype": "FP32", "dims": [-1, 2]}],
        "opset": OPSET,
        "params": int(sum(p.numel() for p in model.parameters())),
        "tokenizerSha256": sha256(tokenizer_path),
        "modelSha256": sha256(model_path),
        "modelBytes": model_path.stat().st_size,
        "generator": f"triton-models/tools/export_hf_model.py --method {args.method}",
    }
    (out / "model-info.json").write_text(format_json(info), encoding="utf-8")
    publish_int8_if_accurate(out, model_path, tokenizer)
    print(
        f"export_hf_model: wrote {model_path} (REAL {args.model_id}@{args.revision}, {info['params']:,} params, "
        f"logits match PyTorch); now re-render config.pbtxt so it publishes tokenizer sha256 {info['tokenizerSha256'][:12]}"
    )


def sst2_accuracy(model_file: pathlib.Path, tokenizer, examples) -> float:
    """Accuracy on GLUE SST-2 validation (872 sentences), batches of 32 padded to their longest sentence."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    correct = 0
    for start in range(0, len(examples), 32):
        chunk = examples[start : start + 32]
        encoded = tokenizer(chunk["sentence"], padding=True, truncation=True, max_length=512, return_tensors="np")
        logits = session.run(
            ["logits"],
            {"input_ids": encoded["input_ids"].astype(np.int64), "attention_mask": encoded["attention_mask"].astype(np.int64)},
        )[0]
        correct += int((logits.argmax(axis=1) == np.asarray(chunk["label"])).sum())
    return correct / len(examples)


def publish_int8_if_accurate(out: pathlib.Path, model_path: pathlib.Path, tokenizer) -> None:
    """Quantizes with the tool `npm run setup` uses, measures both files on SST-2 and lets the gate decide."""
    import subprocess

    from datasets import load_dataset

    tools = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(tools))
    from int8_gate import publish_int8

    examples = load_dataset("glue", "sst2", split="validation")
    with tempfile.TemporaryDirectory() as tmp:
        staged = pathlib.Path(tmp) / "model.int8.onnx"
        report = pathlib.Path(tmp) / "model.int8.json"
        subprocess.run(
            [sys.executable, str(tools / "quantize_model.py"), "--fp32", str(model_path), "--int8", str(staged), "--report", str(report)],
            check=True,
        )
        fp32_accuracy = sst2_accuracy(model_path, tokenizer, examples)
        int8_accuracy = sst2_accuracy(staged, tokenizer, examples)
        if publish_int8(staged, out / "model.int8.onnx", fp32_accuracy, int8_accuracy):
            shutil.move(str(report), out / "model.int8.json")


def export_with_torch(torch, model, model_path: pathlib.Path) -> None:
    class LogitsOnly(torch.nn.Module):
        """The contract's single output: the classifier logits, not the whole ModelOutput."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    sample = torch.ones((2, 16), dtype=torch.int64)
    kwargs = {}
    if "dynamo" in torch.onnx.export.__code__.co_varnames:
        kwargs["dynamo"] = False  # the TorchScript exporter honours dynamic_axes as written below
    torch.onnx.export(
        LogitsOnly(model),
        (sample, sample),
        str(model_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "logits": {0: "batch"},
        },
        opset_version=OPSET,
        do_constant_folding=True,
        **kwargs,
    )


def export_with_optimum(args: argparse.Namespace, model_path: pathlib.Path) -> None:
    from optimum.exporters.onnx import main_export

    with tempfile.TemporaryDirectory() as tmp:
        main_export(args.model_id, output=tmp, task="text-classification", opset=OPSET, revision=args.revision)
        shutil.move(str(pathlib.Path(tmp) / "model.onnx"), model_path)


if __name__ == "__main__":
    main()
