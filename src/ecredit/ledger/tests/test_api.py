"""The ledger API: public, text/plain key and checkpoints, JSON proofs that verify offline against
the signed checkpoint's root, and clear 4xx answers to malformed or hostile input."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from ecredit.core.ledger import (
    Checkpoint,
    generate_key,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from ecredit.core.ledger.leaves import decode
from ecredit.ledger import actions
from ecredit.ledger.models import Checkpoint as CheckpointRow
from ecredit.ledger.models import Leaf
from ecredit.ledger.tests.conftest import History

pytestmark = pytest.mark.django_db

API = "/api/v1/ledger"


def get(client: Client, path: str, **params: Any) -> Any:
    return client.get(f"{API}{path}", params)


def detail(response: Any) -> str:
    return str(response.json()["detail"])


def signed_root(client: Client, size: int | None = None) -> tuple[int, bytes]:
    """The size and root of a checkpoint, read from its signed note (not from the JSON)."""
    response = get(client, "/checkpoint", **({} if size is None else {"size": size}))
    assert response.status_code == 200, response.content
    note = open_note(response.content.decode(), [actions.verifier_key()])
    cp = parse_checkpoint(note.text)
    return cp.size, cp.root


def test_the_key_is_public_text_and_verifies_the_checkpoint(
    client: Client, history: History
) -> None:
    response = get(client, "/key")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    vkey = parse_verifier_key(response.content.decode())
    assert vkey == actions.verifier_key()
    assert vkey.name == "ecredit.local/ledger"

    checkpoint = get(client, "/checkpoint")
    assert checkpoint["Content-Type"].startswith("text/plain")
    note = open_note(checkpoint.content.decode(), [vkey])
    body = parse_checkpoint(note.text)
    log = actions.tree()
    assert (body.origin, body.size, body.root) == ("ecredit.local/ledger", log.size, log.root())


def test_a_checkpoint_is_issued_on_first_read_and_found_by_size(
    client: Client, history: History
) -> None:
    assert (
        not CheckpointRow.objects.exists()
    )  # commits' hooks do not run inside a test's transaction
    size, root = signed_root(client)
    assert CheckpointRow.objects.count() == 1
    assert (size, root) == (actions.tree().size, actions.tree().root())
    assert signed_root(client, size) == (size, root)

    for bad, status, words in [
        (size - 1, 404, "no checkpoint was issued at size"),
        (2**63 - 1, 404, "no checkpoint was issued at size"),
        (10**30, 422, "less than or equal to 9223372036854775807"),
        (-1, 422, "greater than or equal to 0"),
    ]:
        response = get(client, "/checkpoint", size=bad)
        assert response.status_code == status, (bad, response.content)
        assert words in detail(response)
    assert get(client, "/checkpoint", size="ten").status_code == 422


def test_entries_are_the_canonical_leaves_in_order(client: Client, history: History) -> None:
    response = get(client, "/entries", start=0, end=40)
    assert response.status_code == 200
    entries = response.json()
    assert [e["index"] for e in entries] == list(range(40))
    for e in entries:
        data = e["data"].encode()
        assert e["leaf_hash"] == hashlib.sha256(b"\x00" + data).hexdigest()
        assert decode(data)["leaf"] in ("record/v1", "evaluation/v1", "pool/v1")
    size = actions.tree().size
    tail = get(client, "/entries", start=size - 3).json()
    assert [e["index"] for e in tail] == [size - 3, size - 2, size - 1]
    assert get(client, "/entries", start=size, end=size).json() == []


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"start": -1, "end": 3}, 422, "greater than or equal to 0"),
        ({"start": 0, "end": -3}, 422, "greater than or equal to 0"),
        ({"start": 0, "end": 10**30}, 422, "less than or equal to 9223372036854775807"),
        ({"start": 5, "end": 2}, 400, "start=5 is after end=2; ask for start <= end"),
        ({"start": 2**63 - 1}, 404, "start=9223372036854775807 is beyond the log"),
        ({"start": 200, "end": 1000}, 404, "end=1000 is beyond the log, which has"),
    ],
)
def test_entries_refuse_bad_ranges_clearly(
    client: Client, history: History, params: dict[str, int], status: int, words: str
) -> None:
    response = get(client, "/entries", **params)
    assert response.status_code == status, response.content
    assert words in detail(response)


def test_entries_come_1000_at_a_time(client: Client, history: History) -> None:
    filler = {"subject_id": "x", "action": "entered", "on": "2025-12-01", "reason": "", "run": 1}
    with transaction.atomic():
        actions.append("pool/v1", [{**filler, "subject_id": str(i)} for i in range(1000)])
    response = get(client, "/entries", start=0, end=1001)
    assert response.status_code == 400
    assert "at most 1,000 entries per request, asked for 1,001; page with start=0&end=1000" in (
        detail(response)
    )
    assert len(get(client, "/entries", start=5).json()) == 1000


def test_entries_need_integers(client: Client, history: History) -> None:
    assert get(client, "/entries").status_code == 422
    assert get(client, "/entries", start="x" * 10_000).status_code == 422
    assert get(client, "/entries", start="9" * 10_000).status_code == 422


def test_inclusion_proofs_verify_against_the_signed_root(client: Client, history: History) -> None:
    size, root = signed_root(client)
    leaves = get(client, "/entries", start=0, end=size).json()
    for i in (0, 1, 31, 32, 33, 100, size - 1):
        by_hash = get(client, "/proof/inclusion", leaf_hash=leaves[i]["leaf_hash"]).json()
        by_index = get(client, "/proof/inclusion", index=i).json()
        assert by_hash == by_index
        assert (by_hash["index"], by_hash["tree_size"], by_hash["root"]) == (i, size, root.hex())
        verify_inclusion(
            bytes.fromhex(by_hash["leaf_hash"]),
            i,
            size,
            [bytes.fromhex(p) for p in by_hash["proof"]],
            root,
        )
    # in an older tree, against that tree's root
    old = get(client, "/proof/inclusion", index=5, tree_size=40).json()
    verify_inclusion(
        bytes.fromhex(old["leaf_hash"]),
        5,
        40,
        [bytes.fromhex(p) for p in old["proof"]],
        actions.tree().root(40),
    )
    assert old["root"] == actions.tree().root(40).hex()


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({}, 404, "no leaf named: give leaf_hash=<64 hex digits> or index=<N>"),
        ({"index": 1, "leaf_hash": "00" * 32}, 404, "no leaf has the hash"),
        ({"leaf_hash": "zz" * 32}, 422, "should match pattern"),
        ({"leaf_hash": "ab" * 31}, 422, "should match pattern"),
        ({"leaf_hash": "a" * 10_000}, 422, "should match pattern"),
        ({"leaf_hash": "é" * 64}, 422, "should match pattern"),
        ({"leaf_hash": "00" * 32}, 404, "no leaf has the hash 0000"),
        ({"index": -1}, 422, "greater than or equal to 0"),
        ({"index": 10**30}, 422, "less than or equal to"),
        ({"index": 2**62}, 404, "there is no leaf 4611686018427387904"),
        ({"index": 5, "tree_size": 5}, 404, "leaf 5 is not in the tree of 5 leaves"),
        ({"index": 0, "tree_size": 0}, 404, "not in the tree of 0 leaves; ask with tree_size > 0"),
        ({"index": 0, "tree_size": -5}, 422, "greater than or equal to 0"),
        ({"index": 0, "tree_size": 2**63 - 1}, 404, "tree_size=9223372036854775807 is beyond"),
        ({"index": "1.5"}, 422, "valid integer"),
    ],
)
def test_inclusion_refuses_bad_input_clearly(
    client: Client, history: History, params: dict[str, Any], status: int, words: str
) -> None:
    response = get(client, "/proof/inclusion", **params)
    assert response.status_code == status, response.content
    assert words in detail(response)


def test_inclusion_by_hash_and_index_must_agree(client: Client, history: History) -> None:
    leaf = get(client, "/entries", start=3, end=4).json()[0]
    agree = get(client, "/proof/inclusion", index=3, leaf_hash=leaf["leaf_hash"])
    assert agree.status_code == 200 and agree.json()["index"] == 3
    disagree = get(client, "/proof/inclusion", index=4, leaf_hash=leaf["leaf_hash"])
    assert disagree.status_code == 404
    assert f"leaf 4 does not have the hash {leaf['leaf_hash']} (leaf 3 has)" in detail(disagree)


def test_consistency_proofs_verify_between_signed_roots(client: Client, history: History) -> None:
    log = actions.tree()
    size = log.size
    for first, second in [(1, 2), (3, 7), (32, 33), (40, size), (size - 1, size), (size, size)]:
        response = get(client, "/proof/consistency", first=first, second=second)
        assert response.status_code == 200, response.content
        p = response.json()
        assert (p["first"], p["second"]) == (first, second)
        assert (p["first_root"], p["second_root"]) == (
            log.root(first).hex(),
            log.root(second).hex(),
        )
        verify_consistency(
            first,
            second,
            [bytes.fromhex(h) for h in p["proof"]],
            log.root(first),
            log.root(second),
        )
    latest = get(client, "/proof/consistency", first=7).json()
    assert latest["second"] == signed_root(client)[0]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"first": 0, "second": 5}, 422, "greater than or equal to 1"),
        ({"first": -1, "second": 5}, 422, "greater than or equal to 1"),
        ({"first": 6, "second": 5}, 404, "no consistency proof from 6 to 5"),
        ({"first": 1, "second": 10**30}, 422, "less than or equal to"),
        ({"first": 1, "second": 2**63 - 1}, 404, "second=9223372036854775807 is beyond the log"),
        ({"first": 2**40, "second": 2**41}, 404, "first=1099511627776 is beyond the log"),
        ({"first": 1, "second": -2}, 422, "greater than or equal to 1"),
        ({"first": "one"}, 422, "valid integer"),
    ],
)
def test_consistency_refuses_bad_ranges_clearly(
    client: Client, history: History, params: dict[str, Any], status: int, words: str
) -> None:
    response = get(client, "/proof/consistency", **params)
    assert response.status_code == status, response.content
    assert words in detail(response)


def test_a_bundle_holds_everything_to_check_a_leaf(client: Client, history: History) -> None:
    size, root = signed_root(client)
    index = 61  # the pool entry
    bundle = get(client, "/bundle", index=index).json()
    assert bundle["format"] == "ecredit-ledger-bundle/1"
    assert (bundle["origin"], bundle["algorithm"], bundle["index"]) == (
        "ecredit.local/ledger",
        "sha256",
        index,
    )
    assert bundle["tree_size"] == size
    stored = bytes(Leaf.objects.get(index=index).data)
    assert bundle["leaf"] == json.loads(stored)
    assert bundle["leaf_hash"] == hashlib.sha256(b"\x00" + stored).hexdigest()
    verify_inclusion(
        bytes.fromhex(bundle["leaf_hash"]),
        index,
        size,
        [bytes.fromhex(p) for p in bundle["proof"]],
        root,
    )
    assert (
        parse_checkpoint(open_note(bundle["checkpoint"], [actions.verifier_key()]).text).root
        == root
    )

    for bad, status, words in [
        (size, 404, f"covers leaves 0 to {size - 1}"),
        (2**63 - 1, 404, "no leaf"),
        (10**30, 422, "less than or equal to"),
        (-3, 422, "greater than or equal to 0"),
    ]:
        response = get(client, "/bundle", index=bad)
        assert response.status_code == status, response.content
        assert words in detail(response)


def post(client: Client, body: Any) -> Any:
    return client.post(
        f"{API}/cosignatures",
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
    )


def test_a_registered_witness_cosignature_is_verified_and_published(
    client: Client, history: History
) -> None:
    size, _ = signed_root(client)
    checkpoint = CheckpointRow.objects.get(size=size)
    body = open_note(checkpoint.note, [actions.verifier_key()]).text
    witness = generate_key("witness.customs.example", cosignature=True)
    actions.add_witness(witness.name, witness.verifier().encode())

    line = witness.sign(body, 1_760_000_000).line().rstrip("\n")
    response = post(client, {"size": size, "line": line})
    assert response.status_code == 200, response.content
    assert response.json()["witness"] == "witness.customs.example"
    published = get(client, "/checkpoint").content.decode()
    assert line in published
    note = open_note(published, [actions.verifier_key(), witness.verifier()])
    cosignature = note.signed_by(witness.verifier())
    assert cosignature is not None and cosignature.timestamp == 1_760_000_000
    # sent again: still one cosignature
    assert post(client, {"size": size, "line": line}).status_code == 200
    assert get(client, "/checkpoint").content.decode().count(line) == 1


def test_cosignatures_that_do_not_verify_are_refused_with_the_reason(
    client: Client, history: History
) -> None:
    size, _ = signed_root(client)
    body = open_note(CheckpointRow.objects.get(size=size).note, [actions.verifier_key()]).text
    witness = generate_key("witness.customs.example", cosignature=True)
    actions.add_witness(witness.name, witness.verifier().encode())
    stranger = generate_key("witness.stranger.example", cosignature=True)
    other_body = Checkpoint("ecredit.local/ledger", size, b"\x01" * 32).body()
    forged = generate_key("witness.customs.example", cosignature=True)  # same name, other key

    cases: list[tuple[Any, int, str]] = [
        ({"size": size, "line": stranger.sign(body, 1).line()}, 403, "is not a witness"),
        ({"size": size, "line": witness.sign(other_body, 1).line()}, 403, "does not verify"),
        ({"size": size, "line": forged.sign(body, 1).line()}, 403, "does not verify"),
        ({"size": size, "line": "— witness.customs.example AAAA"}, 403, "does not verify"),
        ({"size": size, "line": "hello"}, 422, "should match pattern"),
        ({"size": size, "line": "— witness.customs.example !!!"}, 422, "should match pattern"),
        ({"size": size, "line": "— " + "x" * 10_000}, 422, "at most 600 characters"),
        ({"size": size - 1, "line": witness.sign(body, 1).line()}, 404, "no checkpoint"),
        ({"size": -1, "line": witness.sign(body, 1).line()}, 422, "greater than or equal to 0"),
        ({"size": 10**30, "line": witness.sign(body, 1).line()}, 422, "less than or equal to"),
        ({"size": 2**63 - 1, "line": witness.sign(body, 1).line()}, 404, "no checkpoint"),
        ({"size": size, "line": "— witness\u0000 AAAA"}, 422, "should match pattern"),
        ({"size": size, "line": "— a AAAA\n— b AAAA"}, 422, "should match pattern"),
        ('{"size": 1, "line": "\\u2014 \\ud800 AAAA"}', 422, ""),
        ({"size": size}, 422, "Field required"),
        ({"size": "big", "line": "x"}, 422, "valid integer"),
        ([1, 2, 3], 422, ""),
        ("{not json", 400, ""),
    ]
    for body_in, status, words in cases:
        response = post(client, body_in)
        assert response.status_code == status, (body_in, response.content)
        assert words in str(response.json().get("detail")), (body_in, response.content)
    assert not CheckpointRow.objects.get(size=size).cosignatures.exists()


def test_no_token_is_needed_and_a_bad_one_is_ignored(client: Client, history: History) -> None:
    response = client.get(f"{API}/key", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200


def test_the_openapi_schema_says_text_for_the_notes(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/ledger/key", "/api/v1/ledger/checkpoint"):
        assert "text/plain" in schema["paths"][path]["get"]["responses"]["200"]["content"]
    assert "/api/v1/ledger/bundle" in schema["paths"]


def test_a_forged_checkpoint_for_another_size_is_not_the_logs(history: History) -> None:
    """The checkpoint a client gets is signed by the log's key: a note signed by another key of
    the same name does not open with the published vkey."""
    log = actions.tree()
    impostor = generate_key("ecredit.local/ledger")
    note = sign_checkpoint(Checkpoint("ecredit.local/ledger", log.size, log.root()), impostor)
    with pytest.raises(ValueError, match="not signed by any known key"):
        open_note(note, [actions.verifier_key()])


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("\u2014 \u0085 D", 422),  # NEL: whitespace to pydantic, not to JSON Schema; refused alike
        ("\u2014 witness.example AAAA\ufeff", 422),  # a BOM is no trailing space to either
        ("\u2014 witness.example AAAA \r\n", 403),  # well formed: then refused as no witness
    ],
)
def test_the_line_pattern_means_the_same_to_the_schema_and_the_server(
    client: Client, history: History, line: str, status: int
) -> None:
    """A fuzzer sent a line the published JSON Schema allows and the server refused; the pattern
    now spells out what both engines must agree on."""
    import re

    from ecredit.ledger.api import LINE_PATTERN

    assert "\\s*" not in LINE_PATTERN
    size, _ = signed_root(client)
    assert post(client, {"size": size, "line": line}).status_code == status
    assert (re.match(LINE_PATTERN, line) is not None) is (status != 422)
