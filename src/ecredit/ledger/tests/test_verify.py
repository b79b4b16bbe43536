"""`ecredit ledger bundle` and `ecredit ledger verify`: a bundle holds offline, and every kind of
tampering fails on the line that checks it; verify needs no database, settings or network."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client

from ecredit.cli import main
from ecredit.core.ledger import add_signatures, generate_key, open_note
from ecredit.ledger import actions
from ecredit.ledger.models import Checkpoint as CheckpointRow
from ecredit.ledger.tests.conftest import History
from ecredit.records.models import CreditRecord

pytestmark = pytest.mark.django_db

BIN = Path(sys.executable).parent
POOL_ENTRY = 61  # the leaf of the decision to enter the negative-list pool


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, ["ledger", *map(str, args)])


@pytest.fixture
def vkey_file(tmp_path: Path, history: History) -> Path:
    path = tmp_path / "log.vkey"
    path.write_text(actions.verifier_key().encode() + "\n")
    return path


@pytest.fixture
def bundle(tmp_path: Path, history: History) -> dict[str, Any]:
    out = tmp_path / "bundle.json"
    result = run("bundle", POOL_ENTRY, "--output", out)
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def verify(tmp_path: Path, bundle: dict[str, Any], *args: Any) -> Any:
    path = tmp_path / "check.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    return run("verify", path, *args)


def test_a_bundle_verifies_offline_line_by_line(
    tmp_path: Path, bundle: dict[str, Any], vkey_file: Path
) -> None:
    assert bundle["leaf"]["leaf"] == "pool/v1"
    result = verify(tmp_path, bundle, "--key", vkey_file)
    assert result.exit_code == 0, result.output
    for line in ("ok    leaf:", "ok    leaf hash:", "ok    signature:", "ok    checkpoint:"):
        assert line in result.output
    assert "ok    inclusion:" in result.output
    assert "HOLDS: leaf 61 is in the log ecredit.local/ledger" in result.output
    # the key may be given inline too, and as JSON the checks come as one object
    inline = verify(tmp_path, bundle, "--key", actions.verifier_key().encode(), "--json")
    assert inline.exit_code == 0, inline.output
    out = json.loads(inline.output)
    assert out["ok"] is True
    assert [c["check"] for c in out["checks"]] == [
        "leaf",
        "leaf hash",
        "signature",
        "checkpoint",
        "inclusion",
    ]


def _edit_leaf(b: dict[str, Any]) -> None:
    b["leaf"]["reason"] = "没有理由"


def _edit_leaf_and_hash(b: dict[str, Any]) -> None:
    import hashlib

    from ecredit.core.ledger.leaves import encode

    b["leaf"]["on"] = "2025-01-01"
    data = encode("pool/v1", b["leaf"])
    b["leaf_hash"] = hashlib.sha256(b"\x00" + data).hexdigest()


def _extra_field(b: dict[str, Any]) -> None:
    b["leaf"]["note"] = "not hashed"


def _flip_proof(b: dict[str, Any]) -> None:
    p = bytearray.fromhex(b["proof"][0])
    p[0] ^= 1
    b["proof"][0] = p.hex()


def _short_proof(b: dict[str, Any]) -> None:
    b["proof"] = b["proof"][:-1]


def _edit_checkpoint_root(b: dict[str, Any]) -> None:
    lines = b["checkpoint"].split("\n")
    lines[2] = "A" * 43 + "="
    b["checkpoint"] = "\n".join(lines)


def _other_size(b: dict[str, Any]) -> None:
    b["tree_size"] -= 1


def _other_index(b: dict[str, Any]) -> None:
    b["index"] += 1


@pytest.mark.parametrize(
    ("tamper", "failing"),
    [
        (_edit_leaf, ["FAIL  leaf hash:", "FAIL  inclusion:"]),
        (_edit_leaf_and_hash, ["FAIL  inclusion:  the inclusion proof does not hold"]),
        (_extra_field, ["FAIL  leaf:", "fields outside pool/v1: note"]),
        (_flip_proof, ["FAIL  inclusion:"]),
        (_short_proof, ["FAIL  inclusion:", "expected"]),
        (_edit_checkpoint_root, ["FAIL  signature:", "the note was altered"]),
        (_other_size, ["FAIL  checkpoint:", "the bundle says origin"]),
        (_other_index, ["FAIL  inclusion:"]),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:] if callable(v) else "",
)
def test_tampering_fails_on_the_line_that_checks_it(
    tmp_path: Path,
    bundle: dict[str, Any],
    vkey_file: Path,
    tamper: Callable[[dict[str, Any]], None],
    failing: list[str],
) -> None:
    bad = copy.deepcopy(bundle)
    tamper(bad)
    result = verify(tmp_path, bad, "--key", vkey_file)
    assert result.exit_code == 1, result.output
    for words in failing:
        assert words in result.output, result.output
    assert "DOES NOT HOLD" in result.output


def test_the_wrong_key_or_no_key_fails_the_signature(
    tmp_path: Path, bundle: dict[str, Any]
) -> None:
    impostor = generate_key("ecredit.local/ledger").verifier().encode()  # same name, other key
    result = verify(tmp_path, bundle, "--key", impostor)
    assert result.exit_code == 1
    assert "FAIL  signature:  the checkpoint does not verify" in result.output
    assert "not signed by any known key" in result.output
    unkeyed = verify(tmp_path, bundle)
    assert unkeyed.exit_code == 1
    assert "FAIL  signature:  not checked: give the log's verifier key with --key" in unkeyed.output
    witness_as_log = generate_key("w", cosignature=True).verifier().encode()
    assert "is a witness key" in verify(tmp_path, bundle, "--key", witness_as_log).output


def test_witness_cosignatures_are_checked_and_listed(
    tmp_path: Path, bundle: dict[str, Any], vkey_file: Path
) -> None:
    customs = generate_key("witness.customs.example", cosignature=True)
    tax = generate_key("witness.tax.example", cosignature=True)
    absent = generate_key("witness.absent.example", cosignature=True)
    body = open_note(bundle["checkpoint"], [actions.verifier_key()]).text
    signed = copy.deepcopy(bundle)
    signed["checkpoint"] = add_signatures(
        bundle["checkpoint"], [customs.sign(body, 1_760_000_000), tax.sign(body, 1_760_000_001)]
    )
    result = verify(tmp_path, signed, "--key", vkey_file, "--witness", customs.verifier().encode())
    assert result.exit_code == 0, result.output
    assert "ok    witness:    cosigned by witness.customs.example at 2025-10-09" in result.output
    assert "note  witness:    also signed by witness.tax.example" in result.output

    missing = verify(tmp_path, signed, "--key", vkey_file, "--witness", absent.verifier().encode())
    assert missing.exit_code == 1
    assert "FAIL  witness:    witness.absent.example did not cosign" in missing.output


def test_a_record_from_the_api_rebuilds_its_leaf(
    tmp_path: Path, history: History, vkey_file: Path, client: Client, market_regulation: Any
) -> None:
    from ecredit.accounts.actions import create_token
    from ecredit.accounts.principals import Actor

    token = create_token(Actor.system("test"), market_regulation, "regulator")[1]
    response = client.get(
        f"/api/v1/enterprises/{history.subject}/records",
        {"type": "serious_dishonesty_listing"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    items = response.json()
    record = CreditRecord.objects.get(type_name="serious_dishonesty_listing", is_current=True)
    assert [(i["id"], i["version"], i["ledger_index"]) for i in items] == [
        (record.pk, 2, record.ledger_index)
    ]
    records = tmp_path / "records.json"
    records.write_text(json.dumps(items, ensure_ascii=False))
    proof = tmp_path / "proof.json"
    assert run("bundle", record.ledger_index, "-o", proof).exit_code == 0

    result = run("verify", records, "--proof", proof, "--key", vkey_file)
    assert result.exit_code == 0, result.output
    assert "ok    record:" in result.output
    assert "rebuilds exactly the bundle's leaf" in result.output

    items[0]["values"]["removed_on"] = "2025-06-03"
    records.write_text(json.dumps(items, ensure_ascii=False))
    edited = run("verify", records, "--proof", proof, "--key", vkey_file)
    assert edited.exit_code == 1
    assert "FAIL  record:" in edited.output and "differs in: values" in edited.output


def test_files_that_are_not_bundles_are_refused(
    tmp_path: Path, bundle: dict[str, Any], vkey_file: Path
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert run("verify", junk, "--key", vkey_file).exit_code == 2
    junk.write_text(json.dumps({"hello": "world"}))
    result = run("verify", junk, "--key", vkey_file)
    assert result.exit_code == 2
    assert "not a proof bundle" in result.output
    assert run("verify", tmp_path / "missing.json").exit_code == 2
    broken = copy.deepcopy(bundle)
    broken["proof"] = ["xyz"]
    assert "proof hash 0 is not hex" in verify(tmp_path, broken, "--key", vkey_file).output


def test_verify_runs_without_django_a_database_or_settings(
    tmp_path: Path, bundle: dict[str, Any], vkey_file: Path
) -> None:
    """In a subprocess with a clean environment and an empty data directory: it holds, nothing is
    written, and Django is never imported."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    data = tmp_path / "empty-data"
    data.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "ECREDIT_DATA_DIR": str(data), "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(BIN / "ecredit"), "ledger", "verify", str(path), "--key", str(vkey_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "HOLDS" in result.stdout
    probe = (
        "import sys\n"
        "from ecredit.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    tampered = copy.deepcopy(bundle)
    _flip_proof(tampered)
    path.write_text(json.dumps(tampered))
    again = subprocess.run(
        [sys.executable, "-c", probe, "ledger", "verify", str(path), "--key", str(vkey_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 1, again.stdout + again.stderr
    assert "FAIL  inclusion:" in again.stdout
    assert again.stderr.strip().splitlines()[-1] == "[]"  # no django module was imported
    assert list(data.iterdir()) == []


def test_a_bundle_of_a_leaf_beyond_the_log_is_refused(tmp_path: Path, history: History) -> None:
    result = run("bundle", 10**9, "-o", tmp_path / "b.json")
    assert result.exit_code == 1
    assert "no leaf 1000000000" in result.output
    assert not (tmp_path / "b.json").exists()
    assert CheckpointRow.objects.exists()  # the bundle is against a checkpoint it issued
