"""Build administrative-penalty rows and files for tests."""

from __future__ import annotations

import csv
from pathlib import Path

from ecredit.core.identifiers import make_uscc

HEADERS = [
    "subject_id",
    "decision_no",
    "decision_date",
    "authority",
    "violation",
    "penalty_type",
    "fine_amount_cny",
    "severity",
    "legal_basis",
]


def penalty_row(i: int, **overrides: str) -> dict[str, str]:
    row = {
        "subject_id": make_uscc("9", "1", "330106", f"{i % 400:08d}"),
        "decision_no": f"杭市监处罚〔2025〕{i}号",
        "decision_date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "authority": "杭州市市场监督管理局",
        "violation": "虚假宣传",
        "penalty_type": "fine",
        "fine_amount_cny": f"{1000 + i}.50",
        "severity": ("light", "general", "serious")[i % 3],
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
    }
    row.update(overrides)
    return row


def write_penalties(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        w = csv.DictWriter(f, fieldnames=HEADERS)
        w.writeheader()
        w.writerows(rows)
    return path


def thousand_with_three_bad(path: Path) -> tuple[Path, dict[int, str]]:
    """1,000 penalty rows of which rows 10, 500 and 999 are bad; returns the file and row → field."""
    rows = [penalty_row(i) for i in range(1, 1001)]
    good = rows[9]["subject_id"]
    rows[9]["subject_id"] = good[:-1] + ("1" if good[-1] != "1" else "2")  # bad check digit
    rows[499]["decision_date"] = "2099-01-01"  # in the future
    rows[998]["penalty_type"] = "fine"
    rows[998]["fine_amount_cny"] = ""  # a fine needs an amount
    return write_penalties(path, rows), {
        10: "subject_id",
        500: "decision_date",
        999: "fine_amount_cny",
    }
