"""Model artefacts: bytes that load only with the hash the registry recorded; the data's hash."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecredit.core.scoring.models import ModelFamily, make_family
from ecredit.core.scoring.models.artefact import (
    ArtefactError,
    data_hash,
    dump_model,
    load_model,
    read_model,
    sha256,
)


def tiny(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.uniform(0.0, 5.0, n),
            "region": pd.Series(rng.choice(["north", "south", "east"], n), dtype=object),
        }
    )
    X.loc[rng.random(n) < 0.1, "x2"] = np.nan
    z = 1.2 * X["x1"].to_numpy() - 0.5 + (X["region"] == "north").to_numpy() * 0.8
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.int64)
    return X, y


@pytest.fixture(scope="module")
def fitted() -> tuple[ModelFamily, pd.DataFrame]:
    X, y = tiny()
    return make_family("logistic", seed=0).fit(X, y), tiny(n=50, seed=1)[0]


def test_a_model_round_trips_bit_for_bit(fitted: tuple[ModelFamily, pd.DataFrame]) -> None:
    model, X_new = fitted
    blob = dump_model(model)
    assert isinstance(blob, bytes)
    digest = sha256(blob)
    assert len(digest) == 64 and int(digest, 16) >= 0
    loaded = load_model(blob, digest)
    assert type(loaded) is type(model)
    assert loaded.params() == model.params()
    before, after = model.predict_proba(X_new), loaded.predict_proba(X_new)
    assert before.dtype == after.dtype == np.float64
    assert before.tobytes() == after.tobytes()
    assert dump_model(model) == blob  # the same model gives the same bytes


def test_sha256_is_the_hex_digest_of_the_bytes() -> None:
    assert sha256(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_changed_byte_is_refused(fitted: tuple[ModelFamily, pd.DataFrame]) -> None:
    model, _ = fitted
    blob = dump_model(model)
    recorded = sha256(blob)
    changed = bytearray(blob)
    changed[len(changed) // 2] ^= 0x01
    with pytest.raises(ArtefactError) as info:
        load_model(bytes(changed), recorded, where="models/7.pkl")
    message = str(info.value)
    assert message.startswith("models/7.pkl: SHA-256 is ")
    assert sha256(bytes(changed))[:16] in message and recorded[:16] in message
    assert "the file was changed after training" in message
    assert "ecredit model train" in message and "restore the original file" in message
    assert isinstance(info.value, ValueError)


def test_a_wrong_recorded_hash_is_refused_before_unpickling(
    fitted: tuple[ModelFamily, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = dump_model(fitted[0])

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("unpickled bytes whose hash did not match")

    monkeypatch.setattr(pickle, "loads", never)
    with pytest.raises(ArtefactError, match="model artefact: SHA-256 is"):
        load_model(blob, "0" * 64)
    with pytest.raises(ArtefactError, match="changed after training"):
        load_model(blob, sha256(blob).upper())  # the registry records lower-case hex


def test_a_missing_file_names_its_path(tmp_path: Path) -> None:
    path = tmp_path / "models" / "missing.pkl"
    with pytest.raises(ArtefactError) as info:
        read_model(path, "0" * 64)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot read the model file")
    assert "No such file or directory" in message
    assert "ecredit model train" in message


def test_a_model_file_is_read_and_checked(
    tmp_path: Path, fitted: tuple[ModelFamily, pd.DataFrame]
) -> None:
    model, X_new = fitted
    blob = dump_model(model)
    path = tmp_path / "m.pkl"
    path.write_bytes(blob)
    loaded = read_model(path, sha256(blob))
    assert loaded.predict_proba(X_new).tobytes() == model.predict_proba(X_new).tobytes()
    path.write_bytes(blob + b"\x00")
    with pytest.raises(
        ArtefactError, match=rf"^{re.escape(str(path))}: SHA-256 is .*changed after training"
    ):
        read_model(path, sha256(blob))


@pytest.mark.parametrize("thing", [{"not": "a model"}, [1, 2, 3], None, ModelFamily])
def test_a_pickle_of_something_else_is_refused(thing: object) -> None:
    blob = pickle.dumps(thing, protocol=5)
    with pytest.raises(ArtefactError, match=r"^x\.pkl: not a model of a known family$"):
        load_model(blob, sha256(blob), where="x.pkl")


# -- data_hash -----------------------------------------------------------------------------------


def numbers(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=30), "b": rng.integers(0, 5, 30).astype(np.float64)})
    X.loc[[3, 7], "a"] = np.nan
    return X, (rng.random(30) < 0.3).astype(np.int64)


def test_the_same_data_has_the_same_hash() -> None:
    X, y = numbers()
    h = data_hash(X, y)
    assert len(h) == 64
    assert data_hash(X.copy(), y.copy()) == h
    assert data_hash(*numbers()) == h
    assert data_hash(X, y.tolist()) == h
    assert data_hash(X, y.astype(np.int8)) == h
    assert data_hash(X.astype({"b": np.int64}), y) == h  # values are hashed as float64
    dates, keys = ["2025-01-31", "2025-02-28"], ["E1", "E2"]
    assert data_hash(X, y, dates, keys) == data_hash(X.copy(), y, list(dates), list(keys))


def test_missing_values_hash_alike_whatever_their_bits() -> None:
    X, y = numbers()
    payloads = np.array(
        [0x7FF8000000000001, 0xFFF8000000000000, 0x7FF0000000000ABC], dtype=np.uint64
    )
    odd_nans = payloads.view(np.float64)
    assert np.isnan(odd_nans).all()
    assert len({v.tobytes() for v in odd_nans} | {np.float64(np.nan).tobytes()}) == 4
    for nan in odd_nans:
        a = X["a"].to_numpy(copy=True)
        a[[3, 7]] = nan
        other = pd.DataFrame({"a": a, "b": X["b"]})
        assert other["a"].to_numpy()[3].tobytes() == nan.tobytes()  # the payload is kept
        assert data_hash(other, y) == data_hash(X, y)
    with_none = X.astype(object)
    with_none.loc[[3, 7], "a"] = None
    assert data_hash(with_none, y) == data_hash(X, y)
    with_na = X.astype("Float64")
    assert with_na["a"].isna().sum() == 2
    assert data_hash(with_na, y) == data_hash(X, y)


def test_any_change_changes_the_hash() -> None:
    X, y = numbers()
    h = data_hash(X, y)
    value = X.copy()
    value.iat[0, 0] += 1e-12
    assert data_hash(value, y) != h
    filled = X.copy()
    filled.loc[3, "a"] = 0.0
    assert data_hash(filled, y) != h
    label = y.copy()
    label[5] = 1 - label[5]
    assert data_hash(X, label) != h
    assert data_hash(X.rename(columns={"b": "c"}), y) != h
    assert data_hash(X[["b", "a"]], y) != h
    assert data_hash(X.iloc[::-1].reset_index(drop=True), y[::-1]) != h
    assert data_hash(X, y, ["2025-01-31"]) != h
    assert data_hash(X, y, ["2025-01-31"]) != data_hash(X, y, ["2025-02-28"])
    assert data_hash(X, y, ["E1"], ["E2"]) != data_hash(X, y, ["E2"], ["E1"])
    assert data_hash(X, y, ["E1", "E2"]) != data_hash(X, y, ["E1", "E3"])


def test_a_change_in_the_middle_of_a_long_extra_changes_the_hash() -> None:
    X, y = numbers()
    keys = np.arange(5000)
    changed = keys.copy()
    changed[2500] = -1
    assert data_hash(X, y, keys) != data_hash(X, y, changed)
    assert data_hash(X, y, pd.Series(keys)) != data_hash(X, y, pd.Series(changed))
