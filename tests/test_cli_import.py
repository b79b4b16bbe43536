"""`ecredit import` on good and hostile files: exit codes, JSON output, and nothing half-stored."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecredit.cli import main
from ecredit.records.models import CreditRecord, Submission
from ecredit.records.tests.penalties import (
    HEADERS,
    penalty_row,
    thousand_with_three_bad,
    write_penalties,
)

pytestmark = pytest.mark.django_db


def run_import(path: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(path),
            "--type",
            "administrative_penalty",
            "--source",
            "market-regulation",
            "--json",
            *extra,
        ],
        catch_exceptions=False,
    )
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    return result.exit_code, json.loads(lines[-1]) if lines else {}


def test_json_summary_and_exit_codes_for_the_thousand_row_file(tmp_path):
    path, bad = thousand_with_three_bad(tmp_path / "p.csv")
    code, out = run_import(path)
    assert code == 1
    assert {k: out[k] for k in ("received", "stored", "duplicates", "corrected", "rejected")} == {
        "received": 1000,
        "stored": 997,
        "duplicates": 0,
        "corrected": 0,
        "rejected": 3,
    }
    assert sorted((e["row"], e["field"]) for e in out["errors"]) == sorted(bad.items())
    code, out = run_import(path)
    assert (code, out["stored"], out["duplicates"]) == (1, 0, 997)


def test_a_clean_file_exits_zero(tmp_path):
    code, out = run_import(write_penalties(tmp_path / "ok.csv", [penalty_row(i) for i in range(5)]))
    assert (code, out["stored"], out["rejected"], out["errors"]) == (0, 5, 0, [])


def test_gbk_encoded_file_is_read(tmp_path):
    path = write_penalties(tmp_path / "gbk.csv", [penalty_row(i) for i in range(3)], encoding="gbk")
    code, out = run_import(path)
    assert (code, out["stored"]) == (0, 3)
    assert CreditRecord.objects.filter(values__authority="杭州市市场监督管理局").count() == 3


def test_utf8_bom_file_is_read(tmp_path):
    path = write_penalties(tmp_path / "bom.csv", [penalty_row(1)], encoding="utf-8-sig")
    code, out = run_import(path)
    assert (code, out["stored"]) == (0, 1)


def test_huge_field_rejects_that_row_only(tmp_path):
    rows = [penalty_row(1), penalty_row(2, violation="违" * 2_000_000), penalty_row(3)]
    code, out = run_import(write_penalties(tmp_path / "huge.csv", rows))
    assert (code, out["stored"], out["rejected"]) == (1, 2, 1)
    assert out["errors"][0]["row"] == 2


def test_formula_in_xlsx_is_rejected_per_row(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(list(penalty_row(1).values()))
    evil = list(penalty_row(2).values())
    evil[4] = '=HYPERLINK("http://example.invalid","click")'
    ws.append(evil)
    path = tmp_path / "evil.xlsx"
    wb.save(path)
    code, out = run_import(path)
    assert (code, out["stored"], out["rejected"]) == (1, 1, 1)
    assert out["errors"][0]["row"] == 2
    assert "formula" in out["errors"][0]["message"]


def test_missing_headers_is_unreadable_and_stores_nothing(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text(",".join(penalty_row(1).values()) + "\n", encoding="utf-8")
    code, out = run_import(path)
    assert code == 2
    assert "header" in out["error"]
    assert CreditRecord.objects.count() == 0
    assert Submission.objects.count() == 0


@pytest.mark.parametrize(
    "name, content",
    [
        ("junk.csv", os.urandom(4096)),
        ("empty.csv", b""),
        ("nul.csv", b"subject_id,decision_no\x00\x00\x00\n\x00\x00"),
    ],
)
def test_binary_junk_is_unreadable(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    code, out = run_import(path)
    assert code == 2
    assert out["error"]
    assert CreditRecord.objects.count() == 0


def test_truncated_xlsx_is_unreadable(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(HEADERS)
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:200])
    code, out = run_import(bad)
    assert code == 2
    assert "xlsx" in out["error"].lower() or "workbook" in out["error"].lower()
    assert CreditRecord.objects.count() == 0


def test_xlsx_jsonl_and_parquet_give_the_same_result_as_csv(tmp_path):
    from ecredit.core.ingest import write_rows

    rows = [penalty_row(i) for i in range(1, 21)]
    for fmt in ("xlsx", "jsonl", "parquet"):
        write_rows(tmp_path / f"p.{fmt}", fmt, HEADERS, rows)
    code, out = run_import(tmp_path / "p.xlsx")
    assert (code, out["stored"]) == (0, 20)
    for fmt in ("jsonl", "parquet"):
        code, out = run_import(tmp_path / f"p.{fmt}")
        assert (code, out["stored"], out["duplicates"]) == (0, 0, 20)


def test_missing_file_is_a_clear_error(tmp_path):
    code, out = run_import(tmp_path / "nope.csv")
    assert code == 2
    assert "nope.csv" in out["error"]


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    code, out = run_import(path)
    assert code == 2
    assert out["error"]
