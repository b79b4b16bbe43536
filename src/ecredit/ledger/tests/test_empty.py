"""Before the first leaf: a signed checkpoint of the empty tree, nothing to prove, a clean audit."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from ecredit.core.ledger import open_note, parse_checkpoint
from ecredit.ledger import actions
from ecredit.ledger.audit import run_audit

pytestmark = pytest.mark.django_db


def test_an_empty_log_has_a_signed_checkpoint_of_size_zero(client: Client) -> None:
    response = client.get("/api/v1/ledger/checkpoint")
    assert response.status_code == 200
    body = parse_checkpoint(open_note(response.content.decode(), [actions.verifier_key()]).text)
    assert (body.size, body.root) == (0, hashlib.sha256(b"").digest())
    assert client.get("/api/v1/ledger/entries", {"start": 0}).json() == []
    assert client.get("/api/v1/ledger/bundle", {"index": 0}).status_code == 404
    assert client.get("/api/v1/ledger/proof/inclusion", {"index": 0}).status_code == 404
    assert client.get("/api/v1/ledger/proof/consistency", {"first": 1}).status_code == 404


def test_an_empty_log_audits_clean() -> None:
    report = run_audit()
    assert report.ok, report.problems
    assert (report.size, report.leaves) == (0, 0)
    assert report.root == hashlib.sha256(b"").hexdigest()
