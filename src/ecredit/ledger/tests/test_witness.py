"""`ecredit ledger witness`: another department's witness cosigns the log's honest growth and
refuses a log that forked or rewrote its history, leaving its state unchanged.

The first test runs the real command (urllib, HTTP) against the application served by
pytest-django's live server (Django's threaded WSGI server, on the test database); the log is
then made dishonest the way an operator with database access would do it: an old leaf is edited,
every node is recomputed, and new checkpoints are signed with the log's real key. The others run
the witness's round against a second, independent log (a `MemoryStore` tree behind a fake HTTP
layer), honest and rewritten, to cover each refusal and the order of persisting and publishing.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ecredit.accounts.principals import Actor
from ecredit.cli import main
from ecredit.cli_ledger import (
    CHECKPOINT_PATH,
    CONSISTENCY_PATH,
    COSIGNATURES_PATH,
    HttpFailure,
    load_state,
    witness_round,
)
from ecredit.core.ledger import (
    Checkpoint,
    MemoryStore,
    MerkleTree,
    SignerKey,
    WitnessedLog,
    generate_key,
    open_note,
    parse_checkpoint,
    sign_checkpoint,
)
from ecredit.ledger import actions
from ecredit.ledger.models import Checkpoint as CheckpointRow
from ecredit.ledger.tests.conftest import ingest, rewrite_leaf, write_history
from ecredit.records.tests.penalties import penalty_row

WITNESS = "witness.customs.example"


def cli(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the test's server
        return str(response.read().decode())


@pytest.mark.django_db(transaction=True)
def test_the_witness_cosigns_honest_growth_and_refuses_rewritten_history(
    live_server: Any, tmp_path: Path
) -> None:
    import_module("ecredit.web.urls")  # loaded here, not by the server's first request (slow)
    actor = Actor.system("test")
    write_history(actor, penalties=10)  # every commit signs a checkpoint (on_commit)
    key_file, state = tmp_path / "witness.key", tmp_path / "witness-state.json"
    made = cli("ledger", "witness-key", WITNESS, "--output", key_file)
    assert made.exit_code == 0, made.output
    vkey = made.stdout.strip()
    assert cli("ledger", "witnesses", "add", WITNESS, vkey).exit_code == 0
    log_key = fetch(f"{live_server.url}/api/v1/ledger/key").strip()
    assert log_key == actions.verifier_key().encode()  # pinned once, by hand

    def witness() -> Any:
        return cli(
            "ledger",
            "witness",
            "--log",
            live_server.url,
            "--log-key",
            log_key,
            "--key",
            key_file,
            "--state",
            state,
            "--once",
        )

    first = witness()
    size = actions.tree().size
    assert first.exit_code == 0, first.output
    assert f"cosigned size {size:,} (first checkpoint, trusted)" in first.output
    assert load_state(state)["ecredit.local/ledger"].size == size
    published = fetch(f"{live_server.url}/api/v1/ledger/checkpoint")
    cosigned = open_note(published, [actions.verifier_key(), _vkey(vkey)])
    assert [s.name for s in cosigned.signatures] == ["ecredit.local/ledger", WITNESS]

    again = witness()
    assert again.exit_code == 0
    assert f"up to date: size {size:,} is already cosigned" in again.output

    # honest growth: new records, a new checkpoint, a consistency proof from the last size
    ingest(
        actor, "administrative_penalty", [penalty_row(i) for i in range(50, 60)], date(2025, 9, 1)
    )
    grown = witness()
    new_size = actions.tree().size
    assert new_size > size
    assert grown.exit_code == 0, grown.output
    assert f"cosigned size {new_size:,} from {size:,}" in grown.output
    witnesses = cli("ledger", "witnesses", "list", "--json")
    assert json.loads(witnesses.stdout)["witnesses"][0]["last_cosigned_size"] == new_size

    # a fork: leaf 3 rewritten, every node recomputed, a checkpoint of the same size signed
    rewrite_leaf(3, lambda leaf: leaf["values"].update(fine_amount_cny="1.00"))
    forked = actions.tree()
    # (a dishonest operator replaces the signed checkpoint of that size in the database)
    CheckpointRow.objects.filter(size=new_size).update(
        root=forked.root().hex(),
        note=sign_checkpoint(
            Checkpoint("ecredit.local/ledger", new_size, forked.root()), actions.signer_key()
        ),
    )
    before = state.read_bytes()
    refused = witness()
    assert refused.exit_code == 1
    assert f"REFUSED: ecredit.local/ledger: a different root for tree size {new_size}" in (
        refused.output
    )
    assert "the log forked" in refused.output
    assert state.read_bytes() == before

    # and the rewritten log grown past it, to look like plain growth: no proof can link them
    rewrite_leaf(3, lambda leaf: leaf["values"].update(fine_amount_cny="2.00"), grow=40)
    actions.issue_checkpoint()
    refused = witness()
    assert refused.exit_code == 1
    assert f"is not shown to extend the tree of {new_size} this witness cosigned" in (
        refused.output
    )
    assert "a log that rewrote its history cannot prove it" in refused.output
    assert state.read_bytes() == before
    latest = fetch(f"{live_server.url}/api/v1/ledger/checkpoint")
    assert WITNESS not in latest  # the rewritten checkpoint carries no cosignature


def _vkey(text: str) -> Any:
    from ecredit.core.ledger import parse_verifier_key

    return parse_verifier_key(text)


# --- a second, independent log ------------------------------------------------------------------

ORIGIN = "ledger.tax.example/records"


def leaves(start: int, end: int) -> list[bytes]:
    return [f'{{"leaf":{i}}}'.encode() for i in range(start, end)]


class FakeLog:
    """A log served from a `MemoryStore` tree: what `witness_round` sees over HTTP."""

    def __init__(self, key: SignerKey, entries: list[bytes]) -> None:
        self.key = key
        self.tree = MerkleTree(MemoryStore())
        self.tree.append(entries)
        self.posted: list[dict[str, Any]] = []
        self.post_status = 200
        self.tamper_proof: Callable[[list[str]], list[str]] | None = None

    def get(self, path: str) -> tuple[int, bytes]:
        if path == CHECKPOINT_PATH:
            cp = Checkpoint(ORIGIN, self.tree.size, self.tree.root())
            return 200, sign_checkpoint(cp, self.key).encode()
        assert path.startswith(CONSISTENCY_PATH + "?")
        query = urllib.parse.parse_qs(path.split("?", 1)[1])
        first, second = int(query["first"][0]), int(query["second"][0])
        proof = [h.hex() for h in self.tree.consistency_proof(first, second)]
        if self.tamper_proof:
            proof = self.tamper_proof(proof)
        return 200, json.dumps({"first": first, "second": second, "proof": proof}).encode()

    def post(self, path: str, body: Any) -> tuple[int, bytes]:
        assert path == COSIGNATURES_PATH
        if self.post_status != 200:
            return self.post_status, b'{"detail": "the log is down for maintenance"}'
        self.posted.append(dict(body))
        return 200, b"{}"


@pytest.fixture
def keys() -> tuple[SignerKey, SignerKey]:
    return generate_key(ORIGIN), generate_key(WITNESS, cosignature=True)


def round_(log: FakeLog, keys: tuple[SignerKey, SignerKey], state: Path) -> Any:
    log_key, witness_key = keys
    return witness_round(
        log,
        WitnessedLog(ORIGIN, log_key.verifier()),
        witness_key,
        state,
        clock=lambda: 1_760_000_000,
    )


def test_a_second_log_that_rewrites_an_old_leaf_is_refused(
    keys: tuple[SignerKey, SignerKey], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    honest = FakeLog(keys[0], leaves(0, 10))
    assert round_(honest, keys, state).outcome == "cosigned"
    posted = honest.posted[-1]
    assert posted["size"] == 10
    note = sign_checkpoint(Checkpoint(ORIGIN, 10, honest.tree.root()), keys[0]) + posted["line"]
    assert open_note(note + "\n", [keys[1].verifier()]).signed_by(keys[1].verifier())

    honest.tree.append(leaves(10, 15))
    result = round_(honest, keys, state)
    assert (result.outcome, result.size) == ("cosigned", 15)
    assert "cosigned size 15 from 10" in result.message

    rewritten = leaves(0, 20)
    rewritten[3] = b'{"leaf":"three, edited"}'
    rewriter = FakeLog(keys[0], rewritten)  # same origin, same key: the operator itself
    before = state.read_bytes()
    result = round_(rewriter, keys, state)
    assert result.outcome == "refused"
    assert "is not shown to extend the tree of 15" in result.message
    assert state.read_bytes() == before
    assert rewriter.posted == []

    honest.tree.append(leaves(15, 20))
    assert round_(honest, keys, state).outcome == "cosigned"
    assert load_state(state)[ORIGIN] == Checkpoint(ORIGIN, 20, honest.tree.root())


def test_refusals_change_nothing(keys: tuple[SignerKey, SignerKey], tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    log = FakeLog(keys[0], leaves(0, 20))
    assert round_(log, keys, state).outcome == "cosigned"
    before = state.read_bytes()

    shrunk = FakeLog(keys[0], leaves(0, 12))
    assert "smaller than 20" in round_(shrunk, keys, state).message

    impostor = FakeLog(generate_key(ORIGIN), leaves(0, 30))
    result = round_(impostor, keys, state)
    assert result.outcome == "refused"
    assert "does not verify with the pinned log key" in result.message

    log.tree.append(leaves(20, 30))
    log.tamper_proof = lambda proof: [proof[0][:-2] + "00", *proof[1:]]
    assert "not shown to extend" in round_(log, keys, state).message
    log.tamper_proof = lambda proof: ["not hex"]
    assert "consistency proof is malformed" in round_(log, keys, state).message
    assert state.read_bytes() == before
    assert len(log.posted) == 1


def test_the_state_is_saved_before_the_cosignature_is_published(
    keys: tuple[SignerKey, SignerKey], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    log = FakeLog(keys[0], leaves(0, 8))
    log.post_status = 503
    with pytest.raises(HttpFailure, match="did not accept the cosignature of size 8"):
        round_(log, keys, state)
    assert load_state(state)[ORIGIN].size == 8  # saved first: a cosignature never outruns it
    log.post_status = 200
    result = round_(log, keys, state)  # the same checkpoint, not yet carrying the cosignature
    assert result.outcome == "cosigned"
    assert [p["size"] for p in log.posted] == [8]


def test_the_witness_command_refuses_bad_setup_clearly(
    keys: tuple[SignerKey, SignerKey], tmp_path: Path
) -> None:
    key_file = tmp_path / "w.key"
    key_file.write_text(keys[1].encode())
    log_key = keys[0].verifier().encode()
    state = tmp_path / "state.json"
    base = ["ledger", "witness", "--log-key", log_key, "--key", key_file, "--state", state]

    assert "is not an http:// or https:// URL" in cli(*base, "--log", "file:///etc").output
    state.write_text("{broken")
    damaged = cli(*base, "--log", "http://127.0.0.1:9", "--once")
    assert damaged.exit_code == 2
    assert "is damaged" in damaged.output and "restore it from a backup" in damaged.output
    state.unlink()
    unreachable = cli(*base, "--log", "http://127.0.0.1:9", "--once")
    assert unreachable.exit_code == 1
    assert "cannot reach http://127.0.0.1:9" in unreachable.output
    assert not state.exists()
    wrong_key = cli(
        "ledger", "witness", "--log", "http://x", "--log-key", log_key, "--key", key_file,
        "--state", state, "--once", "--log-key", keys[1].verifier().encode(),
    )  # fmt: skip
    assert wrong_key.exit_code == 2
    key_file.write_text(keys[0].encode())
    assert "is not a cosignature key" in cli(*base, "--log", "http://x", "--once").output


def test_a_state_file_is_what_the_witness_cosigned(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    assert load_state(state) == {}
    state.write_text(json.dumps({"format": "ecredit-witness-state/1", "logs": {"a": {}}}))
    with pytest.raises(ValueError, match="is damaged"):
        load_state(state)
    body = Checkpoint(ORIGIN, 3, b"\x07" * 32).body()
    state.write_text(
        json.dumps({"format": "ecredit-witness-state/1", "logs": {ORIGIN: {"checkpoint": body}}})
    )
    assert load_state(state)[ORIGIN] == parse_checkpoint(body)
