"""A process killed in the middle of an import leaves the ledger and the records agreeing: every
committed record version has its leaf, every leaf its record, and the tree is whole."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecredit.records.tests.penalties import penalty_row, write_penalties

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow

CHECK = """
import json
import django
django.setup()
from ecredit.core.ledger import mth
from ecredit.core.ledger.hashing import hasher
from ecredit.core.ledger.leaves import encode
from ecredit.ledger.actions import tree
from ecredit.ledger.models import Leaf, LogHead
from ecredit.records.actions import record_leaf
from ecredit.records.models import CreditRecord

records = list(CreditRecord.objects.order_by("ledger_index"))
leaves = {l.index: bytes(l.data) for l in Leaf.objects.all()}
size = LogHead.objects.get(pk=1).size if LogHead.objects.exists() else 0
bad = [r.pk for r in records if leaves.get(r.ledger_index) != encode("record/v1", record_leaf(r))]
log = tree()
root_ok = size == 0 or log.root(size) == mth(hasher(log.store.algorithm), [leaves[i] for i in range(size)])
print(json.dumps({"records": len(records), "leaves": len(leaves), "size": size,
                  "mismatched": bad, "root_ok": root_ok}))
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ecredit"), *args], env=env, capture_output=True, text=True, timeout=300
    )


def state(env: dict[str, str]) -> dict[str, object]:
    import json

    out = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_killed_import_leaves_records_and_ledger_agreeing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ECREDIT_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "ecredit.web.settings",
    }
    env.pop("DATABASE_URL", None)
    assert run(env, "migrate").returncode == 0
    first = write_penalties(tmp_path / "a.csv", [penalty_row(i) for i in range(300)])
    big = write_penalties(
        tmp_path / "b.csv",
        [penalty_row(i, decision_no=f"杭市监处罚〔2026〕{i}号") for i in range(30_000)],
    )
    imported = run(
        env,
        "import",
        str(first),
        "--type",
        "administrative_penalty",
        "--source",
        "market-regulation",
        "--quiet",
    )
    assert imported.returncode == 0, imported.stderr
    before = state(env)
    assert before["records"] == before["leaves"] == before["size"] == 300
    assert before["mismatched"] == [] and before["root_ok"]

    # the big import: killed (SIGKILL, no clean-up) once it is busy writing
    proc = subprocess.Popen(
        [
            str(BIN / "ecredit"),
            "import",
            str(big),
            "--type",
            "administrative_penalty",
            "--source",
            "market-regulation",
            "--quiet",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = tmp_path / "data" / "ecredit.sqlite3"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        wal = db.with_name(db.name + "-wal")
        if wal.exists() and wal.stat().st_size > 2_000_000:  # rows are being written
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed; make it bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    after = state(env)
    assert after["records"] == after["leaves"] == after["size"], after
    assert after["mismatched"] == [] and after["root_ok"], after
    with sqlite3.connect(db) as con:  # the database is not damaged: integrity check passes
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # the same file again, to the end: everything is there, still agreeing
    again = run(
        env,
        "import",
        str(big),
        "--type",
        "administrative_penalty",
        "--source",
        "market-regulation",
        "--quiet",
    )
    assert again.returncode == 0, again.stderr
    final = state(env)
    assert final["records"] == final["leaves"] == final["size"] == 30_300, final
    assert final["mismatched"] == [] and final["root_ok"], final
