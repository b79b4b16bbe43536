"""Labelled CSV tables and `ecredit model validate --csv`: good files validate, bad ones are
refused with a message that says what is wrong and what to do (exit status 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from ecredit.cli_model import model
from ecredit.core.scoring.models import DatasetError, load_labelled_csv
from ecredit.core.tests.test_models import synthetic


def write_csv(
    path: Path, n: int = 120, target: str = "status", labels: tuple[str, str] = ("good", "bad")
) -> Path:
    X, y = synthetic(n, seed=3)
    frame = X.assign(**{target: [labels[int(v)] for v in y]})
    frame.to_csv(path, index=False)
    return path


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows(header: str, make_row: object, n: int) -> str:
    assert callable(make_row)
    return header + "\n" + "\n".join(make_row(i) for i in range(n)) + "\n"


def validate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(model, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


# --- good files --------------------------------------------------------------------------------


def test_a_clean_csv_is_typed_and_labelled(tmp_path: Path) -> None:
    table = load_labelled_csv(write_csv(tmp_path / "t.csv"), "status", folds=3)
    assert table.numeric == ("income", "age", "noise")
    assert table.categorical == ("region",)
    assert table.positive == "bad" and table.negatives == ("good",)
    X, y = synthetic(120, seed=3)
    assert np.array_equal(table.y, y)
    assert list(table.X.columns) == ["income", "age", "region", "noise"]
    assert table.X["income"].dtype == np.float64 and table.X["region"].dtype == object
    assert int(table.X["income"].isna().sum()) == int(X["income"].isna().sum())
    assert table.notes == ()


@pytest.mark.parametrize(
    ("labels", "positive"),
    [
        (("0", "1"), "1"),
        (("false", "true"), "true"),
        (("No", "Yes"), "Yes"),
        (("ok", "BAD"), "BAD"),
    ],
)
def test_the_bad_class_is_recognised(
    tmp_path: Path, labels: tuple[str, str], positive: str
) -> None:
    table = load_labelled_csv(write_csv(tmp_path / "t.csv", labels=labels), "status", folds=3)
    assert table.positive == positive
    assert np.array_equal(table.y, synthetic(120, seed=3)[1])


def test_positive_can_be_named_and_matches_numbers_written_differently(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", labels=("2.0", "1.0"))
    table = load_labelled_csv(path, "status", positive="1", folds=3)
    assert table.positive == "1.0" and np.array_equal(table.y, synthetic(120, seed=3)[1])


def test_with_positive_a_many_valued_target_is_bad_against_the_rest(tmp_path: Path) -> None:
    text = rows("x,grade", lambda i: f"{i},{'ABC'[i % 3]}", 60)
    table = load_labelled_csv(write_text(tmp_path / "t.csv", text), "grade", positive="C", folds=3)
    assert table.n_bad == 20 and table.negatives == ("A", "B")
    assert table.notes == ("target 'grade': 'C' counts as bad, 'A', 'B' all count as good",)


def test_a_row_identifier_column_is_left_out_with_a_note(tmp_path: Path) -> None:
    text = rows("id,x,y", lambda i: f"shop-{i},{i % 7},{i % 2}", 60)
    table = load_labelled_csv(write_text(tmp_path / "t.csv", text), "y", folds=3)
    assert list(table.X.columns) == ["x"]
    assert table.notes == (
        "left out column 'id': every row has a different value, so it names rows rather than "
        "describing them",
    )


def test_categorical_and_drop_options(tmp_path: Path) -> None:
    text = rows("code,empty,y", lambda i: f"{i % 5 if i % 9 else 'X9'},,{i % 2}", 60)
    path = write_text(tmp_path / "t.csv", text)
    table = load_labelled_csv(path, "y", folds=3, categorical=["code"], drop=["empty"])
    assert table.categorical == ("code",) and list(table.X.columns) == ["code"]
    assert table.X["code"].iloc[0] == "X9" and table.X["code"].iloc[1] == "1"


def test_validate_prints_one_json_line_per_family(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "t.csv"))
    code, out, _ = validate(
        "--csv", path, "--target", "status", "--folds", "3", "--repeats", "1", "--json"
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["family"] for d in lines] == [
        "scorecard",
        "logistic",
        "random_forest",
        "mlp",
        "gradient_boosting",
    ]
    for d in lines:
        assert list(d) == ["family", "auc_mean", "auc_std", "ks_mean", "ks_std"]
        assert all(v == round(v, 4) for k, v in d.items() if k != "family")
        assert 0.6 < d["auc_mean"] <= 1.0


def test_validate_without_json_prints_a_table(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "t.csv"))
    code, out, err = validate(
        "--csv",
        path,
        "--target",
        "status",
        "--folds",
        "3",
        "--repeats",
        "1",
        "--families",
        "logistic",
    )
    assert code == 0
    assert "AUC mean" in out and "logistic" in out and "scorecard" not in out
    assert "120 rows" in err


def test_an_unknown_family_is_refused(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "t.csv"))
    code, _, err = validate("--csv", path, "--target", "status", "--families", "svm")
    assert code == 2
    assert "--families: unknown svm; choose from scorecard, logistic" in err


# --- bad files ---------------------------------------------------------------------------------


def _junk(i: int) -> str:
    return f"{'abc' if i == 7 else i * 1.5},{i % 2}"


BAD = {
    "missing file": (None, "status", "no such file; check the path"),
    "empty file": ("", "status", "the file is empty; it needs a header row and data rows"),
    "no target": (
        rows("a,b", lambda i: f"{i},{i % 2}", 60),
        "status",
        "no target column 'status'; the columns are 'a', 'b'",
    ),
    "target in another case": (
        rows("a,Status", lambda i: f"{i},{i % 2}", 60),
        "status",
        "did you mean 'Status'?",
    ),
    "one class": (
        rows("a,status", lambda i: f"{i},good", 60),
        "status",
        "target 'status' has the single value 'good' on all 60 rows; a model needs both good and "
        "bad rows",
    ),
    "too few rows": (
        rows("a,status", lambda i: f"{i},{i % 2}", 49),
        "status",
        "only 49 data rows; cross-validation needs at least 50",
    ),
    "fewer bad rows than folds": (
        rows("a,status", lambda i: f"{i},{1 if i < 2 else 0}", 60),
        "status",
        "only 2 bad rows; with 3 folds each fold needs at least one, so give at least 3 bad rows "
        "or use fewer folds",
    ),
    "junk in a numeric column": (
        rows("amount,status", _junk, 60),
        "status",
        "column 'amount' holds numbers in 59 of its 60 filled cells, but 1 is not a number, e.g. "
        "'abc' on line 9; correct or blank those cells (a blank cell counts as missing), or pass "
        "--categorical amount to treat the column as categories",
    ),
    "an empty column": (
        rows("a,notes,status", lambda i: f"{i},,{i % 2}", 60),
        "status",
        "column 'notes' is empty on every row; fill it or pass --drop notes",
    ),
    "duplicate headers": (
        rows("a,b,a,status", lambda i: f"{i},{i},{i},{i % 2}", 60),
        "status",
        "the header names column 'a' twice (columns 1 and 3); give each column its own name",
    ),
    "unclear labels": (
        rows("a,status", lambda i: f"{i},{'AB'[i % 2]}", 60),
        "status",
        "target 'status' has the values 'A', 'B', and it is not clear which one means bad (looked "
        "for 1, true, yes, bad); pass --positive with the value that marks a bad outcome",
    ),
    "many labels": (
        rows("a,status", lambda i: f"{i},{'ABC'[i % 3]}", 60),
        "status",
        "target 'status' has 3 different values ('A', 'B', 'C'); pass --positive VALUE",
    ),
    "empty target cells": (
        rows("a,status", lambda i: f"{i},{'' if i in (4, 9) else i % 2}", 60),
        "status",
        "target 'status' is empty on 2 rows (first on line 6); fill in the outcome or delete those "
        "rows",
    ),
    "ragged row": (
        "a,status\n" + "1,0\n" * 30 + "1,0,7\n" + "2,1\n" * 30,
        "status",
        "not a well-formed CSV file",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_is_refused_with_what_is_wrong(tmp_path: Path, case: str) -> None:
    text, target, message = BAD[case]
    path = tmp_path / "t.csv"
    if text is not None:
        write_text(path, text)
    with pytest.raises(DatasetError) as caught:
        load_labelled_csv(path, target, folds=3)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    code, out, err = validate("--csv", str(path), "--target", target, "--folds", "3", "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in " ".join(err.split())


def test_a_positive_value_that_is_not_in_the_target_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv")
    with pytest.raises(
        DatasetError,
        match=r"--positive 'default' is not a value of target 'status'; "
        r"its values are 'bad', 'good'",
    ):
        load_labelled_csv(path, "status", positive="default")


def test_a_directory_or_a_non_utf8_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="is not a file"):
        load_labelled_csv(tmp_path, "status")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"a,status\n" + "caf\xe9,1\n".encode("latin-1") * 60)
    with pytest.raises(DatasetError, match="is not UTF-8 text; save it as UTF-8 CSV"):
        load_labelled_csv(latin, "status")


def test_options_naming_unknown_columns_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv")
    with pytest.raises(
        DatasetError, match="--drop names 'colour', not in the file; its columns are"
    ):
        load_labelled_csv(path, "status", drop=["colour"])


def test_a_nameless_column_is_left_out_with_a_note(tmp_path: Path) -> None:
    X, y = synthetic(60, seed=3)
    path = tmp_path / "t.csv"
    X.assign(status=y).to_csv(path)  # pandas writes the row index under an empty header
    table = load_labelled_csv(path, "status", folds=3)
    assert list(table.X.columns) == ["income", "age", "region", "noise"]
    assert table.notes == ("left out column 1: it has no name in the header (a saved row index?)",)
    assert isinstance(table.X, pd.DataFrame)
