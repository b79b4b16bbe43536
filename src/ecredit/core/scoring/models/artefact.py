"""Trained models as files: bytes, their SHA-256, and the hash of the data they were trained on.

An artefact is the pickle of a fitted `ModelFamily`. Pickle runs code when loaded, so `load_model`
refuses bytes whose SHA-256 differs from the one the registry recorded at training time: a file
swapped or edited on disk is an error, never a model. Same artefact + same features -> the same
probabilities, bit for bit (the families are deterministic; see `base.ModelFamily`).
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from ecredit.core.scoring.models.base import ModelFamily


class ArtefactError(ValueError):
    """A model file that is missing, altered or not a model; the message says which and what to do."""


def dump_model(model: ModelFamily) -> bytes:
    return pickle.dumps(model, protocol=5)


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def load_model(blob: bytes, expected_sha256: str, *, where: str = "model artefact") -> ModelFamily:
    """The model in `blob`, after checking its hash against the registry's."""
    got = sha256(blob)
    if got != expected_sha256:
        raise ArtefactError(
            f"{where}: SHA-256 is {got[:16]}…, the registry recorded {expected_sha256[:16]}…; "
            "the file was changed after training. Retrain the model (`ecredit model train`) "
            "or restore the original file."
        )
    model = pickle.loads(blob)  # noqa: S301 - bytes verified against the registry's hash above
    if not isinstance(model, ModelFamily):
        raise ArtefactError(f"{where}: not a model of a known family")
    return model


def read_model(path: Path, expected_sha256: str) -> ModelFamily:
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ArtefactError(
            f"{path}: cannot read the model file ({exc.strerror}); retrain it with "
            "`ecredit model train` or restore the data directory"
        ) from None
    return load_model(blob, expected_sha256, where=str(path))


def data_hash(X: pd.DataFrame, y: np.ndarray, *extra: object) -> str:
    """SHA-256 over the column names, the values as float64 (missing = one canonical NaN), the
    labels, and any `extra` (observation dates, enterprise keys) in order."""
    h = hashlib.sha256()
    h.update("\x1f".join(str(c) for c in X.columns).encode())
    values = X.to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.where(np.isnan(values), np.nan, values)  # one NaN bit pattern
    h.update(np.ascontiguousarray(values).tobytes())
    h.update(np.asarray(y, dtype=np.int64).tobytes())
    for item in extra:
        if isinstance(item, np.ndarray | pd.Series | pd.Index):
            item = np.asarray(item).tolist()  # repr of an array elides its middle ("...")
        h.update(repr(item).encode())
    return h.hexdigest()
