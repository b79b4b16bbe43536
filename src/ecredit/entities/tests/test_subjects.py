"""Resolving subjects: provisional enterprises, stores attached to their operators."""

from __future__ import annotations

import pytest
from tests.factories import uscc

from ecredit.entities.actions import resolve_subjects
from ecredit.entities.models import Enterprise, Identifier
from ecredit.entities.queries import get_enterprise

pytestmark = pytest.mark.django_db


def test_unknown_subjects_become_provisional_enterprises():
    found = resolve_subjects([uscc(1), "lei:529900T8BM49AURSDO55", "foreign:US:C1234567"])
    assert {e.provisional for e in found.values()} == {True}
    assert sorted(Enterprise.objects.values_list("entity_type", flat=True)) == [
        "company",
        "foreign_company",
        "unknown",
    ]


def test_a_store_attaches_to_its_operator():
    found = resolve_subjects(["store:xishi:1001"], {"store:xishi:1001": uscc(2)})
    operator = Enterprise.objects.get(subject_id=uscc(2))
    assert found["store:xishi:1001"] == operator
    assert sorted(Identifier.objects.values_list("value", flat=True)) == sorted(
        [uscc(2), "store:xishi:1001"]
    )


def test_resolving_again_creates_nothing():
    resolve_subjects([uscc(1)])
    resolve_subjects([uscc(1)])
    assert Enterprise.objects.count() == 1


def test_any_identifier_finds_the_enterprise():
    resolve_subjects(["store:xishi:1001"], {"store:xishi:1001": uscc(2)})
    assert get_enterprise("store:XISHI:1001").subject_id == uscc(2)
    assert get_enterprise(uscc(2).lower()).subject_id == uscc(2)
    assert get_enterprise("garbage") is None
