"""The log's own commands: key, checkpoint (now or on a schedule), witnesses, witness-key."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import transaction

from ecredit.cli import main
from ecredit.cli_ledger import issue_checkpoints
from ecredit.core.ledger import parse_signer_key, parse_verifier_key
from ecredit.ledger import actions
from ecredit.ledger.models import Checkpoint
from ecredit.ledger.tests.conftest import History

pytestmark = pytest.mark.django_db


def cli(*args: Any) -> Any:
    return CliRunner().invoke(main, ["ledger", *map(str, args)])


def test_key_prints_the_verifier_key(history: History) -> None:
    result = cli("key")
    assert result.exit_code == 0
    assert parse_verifier_key(result.stdout.strip()) == actions.verifier_key()


def test_checkpoint_signs_once_per_size(history: History) -> None:
    first = cli("checkpoint", "--json")
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    log = actions.tree()
    assert out == {"size": log.size, "root": log.root().hex(), "issued": True}
    again = cli("checkpoint")
    assert again.exit_code == 0
    assert f"checkpoint unchanged: size {log.size:,}, root {log.root().hex()}" in again.stdout
    assert Checkpoint.objects.count() == 1


def test_checkpoint_every_signs_whenever_the_log_grew(history: History) -> None:
    emitted: list[dict[str, Any]] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # the log grows during the second wait only
        sleeps.append(seconds)
        if len(sleeps) == 2:
            with transaction.atomic():
                actions.append(
                    "pool/v1",
                    [
                        {
                            "subject_id": "x",
                            "action": "entered",
                            "on": "2025-12-01",
                            "reason": "r",
                            "run": 1,
                        }
                    ],
                )

    size = actions.tree().size
    issue_checkpoints(30, emit=emitted.append, rounds=4, sleep=sleep)
    assert sleeps == [30, 30, 30]
    assert [(e["size"], e["issued"]) for e in emitted] == [(size, True), (size + 1, True)]
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [
        size,
        size + 1,
    ]


def test_witness_keys_and_registration(history: History, tmp_path: Path) -> None:
    key_file = tmp_path / "customs.key"
    made = cli("witness-key", "witness.customs.example", "--output", key_file)
    assert made.exit_code == 0, made.output
    vkey = made.stdout.strip()
    key = parse_signer_key(key_file.read_text().strip())
    assert key.verifier().encode() == vkey
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = cli("witness-key", "witness.customs.example", "--output", key_file)
    assert again.exit_code == 2 and "exists" in again.output
    assert "invalid key name" in cli("witness-key", "has space", "-o", tmp_path / "x").output

    assert cli("witnesses", "list").stdout.startswith("no witnesses yet")
    added = cli("witnesses", "add", "witness.customs.example", vkey)
    assert added.exit_code == 0, added.output
    listed = json.loads(cli("witnesses", "list", "--json").stdout)
    assert listed == {
        "witnesses": [{"name": "witness.customs.example", "vkey": vkey, "last_cosigned_size": None}]
    }
    assert "never cosigned" in cli("witnesses", "list").stdout

    wrong_name = cli("witnesses", "add", "witness.tax.example", vkey)
    assert wrong_name.exit_code == 2 and "is named 'witness.customs.example'" in wrong_name.output
    log_key = actions.verifier_key().encode()
    not_a_witness = cli("witnesses", "add", "ecredit.local/ledger", log_key)
    assert not_a_witness.exit_code == 2
    assert "not a witness's cosignature key" in not_a_witness.output
    garbage = cli("witnesses", "add", "w", "w+1234+abc")
    assert garbage.exit_code == 2 and "VKEY:" in garbage.output
