"""The paper's baseline, as its users write it: a FastAPI + uvicorn service that runs the model itself.

The same ONNX model and tokenizer.json as the gateway, through onnxruntime and the Hugging Face `tokenizers`
library. One forward pass per HTTP request (no batching), in a plain `def` endpoint, which FastAPI runs on its
thread pool so a slow inference does not block the event loop: FastAPI's documented way to call blocking code.

Padding choice, kept identical to the gateway so both do the same arithmetic per request: truncate at the model
maximum (the last bucket), then pad to the smallest of SEQUENCE_BUCKETS that fits. A single request on its own
would need no padding at all; the benchmark pads anyway so that GFLOPs per request are equal across scenarios.

Configuration (environment):
  MODEL_DIR         a model version folder holding model.onnx and tokenizer.json (required)
  MODEL_FILE        the model file in it, default model.onnx (model.int8.onnx: the gateway's int8 file)
  SEQUENCE_BUCKETS  ascending padded lengths, default 16,32,64,128,256,512
  ORT_INTRA_OP_THREADS  0 = onnxruntime's default (one per core)
"""

import os
import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI
from pydantic import BaseModel, Field
from tokenizers import Tokenizer


MODEL_FILE = os.environ.get("MODEL_FILE", "model.onnx")


def _model_dir() -> Path:
    raw = os.environ.get("MODEL_DIR")
    if not raw:
        raise SystemExit("MODEL_DIR must name a model version folder holding model.onnx and tokenizer.json")
    path = Path(raw)
    for name in (MODEL_FILE, "tokenizer.json"):
        if not (path / name).is_file():
            raise SystemExit(f"MODEL_DIR {path} has no {name}; generate the model first (npm run bench does)")
    return path


def _buckets() -> list[int]:
    raw = os.environ.get("SEQUENCE_BUCKETS", "16,32,64,128,256,512")
    try:
        buckets = [int(part) for part in raw.split(",")]
    except ValueError:
        raise SystemExit(f"SEQUENCE_BUCKETS must be comma-separated integers, got {raw!r}") from None
    if not buckets or buckets != sorted(set(buckets)) or buckets[0] < 2:
        raise SystemExit(f"SEQUENCE_BUCKETS must be strictly ascending integers >= 2, got {raw!r}")
    return buckets


MODEL_DIR = _model_dir()
BUCKETS = _buckets()
LABELS = ("NEGATIVE", "POSITIVE")

tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
tokenizer.enable_truncation(max_length=BUCKETS[-1])
PAD_ID = tokenizer.token_to_id("[PAD]") or 0

options = ort.SessionOptions()
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
threads = int(os.environ.get("ORT_INTRA_OP_THREADS", "0"))
if threads > 0:
    options.intra_op_num_threads = threads
session = ort.InferenceSession(str(MODEL_DIR / MODEL_FILE), options, providers=["CPUExecutionProvider"])

# Forward passes run and sequences they carried, so the benchmark can report the batch size it measured.
_stats_lock = threading.Lock()
_stats = {"runs": 0, "items": 0}

app = FastAPI(title="FastAPI peer (benchmark baseline)")


class SentimentRequest(BaseModel):
    text: str = Field(min_length=1, max_length=8192)


class SentimentResponse(BaseModel):
    label: str
    score: float
    truncated: bool


def _bucket_for(length: int) -> int:
    return next(b for b in BUCKETS if b >= length)


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.get("/stats")
def stats() -> dict:
    with _stats_lock:
        return dict(_stats)


@app.post("/v1/sentiment", response_model=SentimentResponse)
def sentiment(request: SentimentRequest) -> SentimentResponse:
    encoding = tokenizer.encode(request.text)
    length = len(encoding.ids)
    bucket = _bucket_for(length)
    input_ids = np.full((1, bucket), PAD_ID, dtype=np.int64)
    attention_mask = np.zeros((1, bucket), dtype=np.int64)
    input_ids[0, :length] = encoding.ids
    attention_mask[0, :length] = 1
    logits = session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})[0][0]
    with _stats_lock:
        _stats["runs"] += 1
        _stats["items"] += 1
    shifted = np.exp(logits - logits.max())
    probabilities = shifted / shifted.sum()
    best = int(probabilities.argmax())
    return SentimentResponse(
        label=LABELS[best], score=float(probabilities[best]), truncated=len(encoding.overflowing) > 0
    )
