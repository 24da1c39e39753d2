"""The sha256 the model tools record for the files they write (model-info.json, the int8 report), read in 1 MiB
blocks so a model of any size is hashed in constant memory."""

from __future__ import annotations

import hashlib
import pathlib


def sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
