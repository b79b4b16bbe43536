"""Canonical leaves: the same bytes from any equivalent input, clear errors for anything else."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ecredit.core.ledger.leaves import (
    KINDS,
    LeafError,
    canonical_json,
    decode,
    encode,
    leaf_object,
    utc_text,
)

RECORD: dict[str, Any] = {
    "type": "administrative_penalty",
    "provider": "market-regulation",
    "natural_key": "杭州市市场监督管理局|杭市监处罚〔2025〕1号",
    "version": 2,
    "subject_id": "91330106MA2H3K4P0X",
    "occurred_on": date(2025, 3, 1),
    "received_at": datetime(2025, 3, 2, 12, 0, 0, 123456, tzinfo=UTC),
    "content_hash": "ab" * 32,
    "values": {"fine_amount_cny": "9800.00", "refund_rate": 0.0905, "severity": "general"},
}


def test_a_record_leaf_is_canonical_json_with_its_kind() -> None:
    data = encode("record/v1", RECORD)
    obj = json.loads(data)
    assert obj["leaf"] == "record/v1"
    assert list(obj) == sorted(obj)  # RFC 8785 orders members
    assert b" " not in data.replace("杭州市市场监督管理局".encode(), b"")  # no whitespace
    assert obj["received_at"] == "2025-03-02T12:00:00.123456Z"
    assert obj["occurred_on"] == "2025-03-01"
    assert decode(data) == obj


def test_equivalent_inputs_give_the_same_bytes() -> None:
    """An API response (strings, another time zone, extra fields) rebuilds the stored leaf."""
    china = timezone(timedelta(hours=8))
    from_api = {
        **RECORD,
        "occurred_on": "2025-03-01",
        "received_at": RECORD["received_at"].astimezone(china).isoformat(),
        "values": dict(reversed(list(RECORD["values"].items()))),
        "id": 17,
        "category": "reward_penalty",
    }
    assert encode("record/v1", from_api) == encode("record/v1", RECORD)
    assert encode("record/v1", {**RECORD, "received_at": "2025-03-02T12:00:00.123456Z"}) == encode(
        "record/v1", RECORD
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": "two"}, "version"),
        ({"version": 1.5}, "version must be an integer"),
        ({"version": True}, "version must be an integer"),
        ({"occurred_on": "01/03/2025"}, "occurred_on"),
        ({"occurred_on": datetime(2025, 3, 1, tzinfo=UTC)}, "is a time, not a date"),
        ({"received_at": datetime(2025, 3, 2, 12)}, "no time zone"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"values": {"x": float("nan")}}, "canonical JSON"),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(LeafError, match=message):
        encode("record/v1", {**RECORD, **change})


def test_missing_fields_and_unknown_kinds_are_named() -> None:
    partial = {k: v for k, v in RECORD.items() if k not in ("values", "version")}
    with pytest.raises(LeafError, match="missing version, values"):
        encode("record/v1", partial)
    with pytest.raises(LeafError, match="unknown leaf kind 'record/v9'"):
        leaf_object("record/v9", RECORD)


def test_decode_refuses_what_is_not_a_canonical_leaf() -> None:
    data = encode("record/v1", RECORD)
    for bad in (
        b"\xff\xfe",
        b"[1, 2]",
        b'{"leaf": "nothing/v1"}',
        json.dumps(json.loads(data), indent=1).encode(),  # same object, other bytes
    ):
        with pytest.raises(LeafError):
            decode(bad)


def test_every_kind_round_trips() -> None:
    samples: dict[str, dict[str, Any]] = {
        "record/v1": RECORD,
        "evaluation/v1": {
            "run": 3,
            "subject_id": "91330106MA2H3K4P0X",
            "as_of": date(2026, 12, 1),
            "score": 614,
            "grade": "BB",
            "risk_class": "B",
            "candidate_grade": "BB",
            "rule": "initial",
            "system_version": "isys-v1+sha256:90eb5dfd5807",
            "policy_version": "grade-policy-v1+sha256:0",
            "model_version": None,
            "probability": 0.0025,
        },
        "pool/v1": {
            "subject_id": "91330106MA2H3K4P0X",
            "action": "entered",
            "on": "2026-12-01",
            "reason": "列入严重失信主体名单",
            "run": 3,
        },
        "inspection-commit/v1": {
            "plan": "IP000001",
            "name": "2026年第四季度双随机抽查",
            "region": "3301",
            "as_of": date(2026, 12, 1),
            "rules_version": "inspection-rules-v1+sha256:0",
            "ratios": {"A": 0.03, "B": 0.05, "C": 0.2, "D": 0.6},
            "population_size": 2,
            "population_hash": "ab" * 32,
            "must_inspect": [{"key": "91330106MA2H3K4P0X", "rules": ["serious_penalty"]}],
            "inspectors": ["insp-1", "insp-2"],
            "conflicts": [],
            "seed_commitment": "cd" * 32,
            "due_on": "2026-12-31",
        },
        "inspection-draw/v1": {
            "plan": "IP000001",
            "seed": "ef" * 32,
            "seed_commitment": "cd" * 32,
            "selected": ["91330106MA2H3K4P0X"],
            "assignments": {"91330106MA2H3K4P0X": ["insp-2", "insp-1"]},
        },
        "inspection-result/v1": {
            "plan": "IP000001",
            "subject_id": "91330106MA2H3K4P0X",
            "result": "no_issue",
            "inspected_on": "2026-12-10",
            "inspectors": ["insp-2", "insp-1"],
            "record_index": 42,
        },
        "withdrawal/v1": {
            "type": "administrative_penalty",
            "provider": "market-regulation",
            "natural_key": "杭州市市场监督管理局|杭市监处罚〔2025〕1号",
            "version": 1,
            "subject_id": "91330106MA2H3K4P0X",
            "on": date(2026, 12, 1),
            "basis": "objection",
            "reason": "objection #1: the decision was annulled",
            "by": "user:regulator",
        },
        "list-decision/v1": {
            "entry": 5,
            "list": "serious_dishonesty",
            "subject_id": "91330106MA2H3K4P0X",
            "action": "list",
            "state": "decided",
            "on": "2026-12-01",
            "reason": "objection window passed",
            "evidence": {"records": [12], "leaves": [40]},
            "by": "user:regulator",
        },
        "objection/v1": {
            "objection": 2,
            "subject_id": "91330106MA2H3K4P0X",
            "target": "record:12",
            "action": "upheld",
            "outcome": "withdrawn",
            "on": "2026-12-01",
            "reason": "the decision was annulled",
            "attachments": ["ab" * 32],
            "by": "user:regulator",
        },
        "repair/v1": {
            "application": 3,
            "subject_id": "91330106MA2H3K4P0X",
            "record": 12,
            "action": "filed",
            "on": "2026-12-01",
            "reason": "fine paid, listings corrected",
            "commitment": None,
            "attachments": [],
            "by": "user:merchant",
        },
        "report/v1": {
            "number": "CR202612010000001",
            "subject_id": "91330106MA2H3K4P0X",
            "report_type": "standard",
            "lang": "zh",
            "audience": "public",
            "as_of": date(2026, 12, 1),
            "issued_at": datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
            "content_hash": "ab" * 32,
        },
        "consent/v1": {
            "consent": 7,
            "subject_id": "91330106MA2H3K4P0X",
            "org": "demo-bank",
            "report_type": "standard",
            "purpose": "credit_line",
            "action": "granted",
            "on": "2026-12-01",
            "valid_until": "2027-12-01",
            "by": "user:merchant",
        },
    }
    assert set(samples) == set(KINDS)
    assert [k for k in KINDS if len(k) > 20] == []  # ledger.models.Leaf.kind is varchar(20)
    for kind, fields in samples.items():
        data = encode(kind, fields)
        assert encode(kind, decode(data)) == data


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]
        ),
    )
)
def test_a_moment_in_any_zone_is_written_the_same(moment: datetime) -> None:
    assert utc_text(moment) == utc_text(moment.astimezone(UTC)) == utc_text(moment.isoformat())


JSON_FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-7, 1e-6, 1e-4, 1e15, 1e16, 1e21, 1e22, 2.0**53, 2.0**53 + 2]),
    st.integers(-(2**60), 2**60).map(float),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | JSON_FLOATS
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=5)
    ),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_the_fast_encoder_writes_exactly_what_rfc8785_writes(value: Any) -> None:
    assert canonical_json(value) == bytes(rfc8785.dumps(value))


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\uffff": 2, "\ue000": 3},  # UTF-16 order differs from code points
        [2**53],
        float("nan"),
        "\ud800",
        {1: "non-string key"},
    ],
    ids=["astral-keys", "unsafe-int", "nan", "lone-surrogate", "int-key"],
)
def test_what_the_fast_path_cannot_prove_goes_to_rfc8785(value: Any) -> None:
    try:
        expected: bytes | type[Exception] = bytes(rfc8785.dumps(value))
    except Exception as exc:
        expected = type(exc)
    if isinstance(expected, bytes):
        assert canonical_json(value) == expected
    else:
        with pytest.raises(expected):
            canonical_json(value)
