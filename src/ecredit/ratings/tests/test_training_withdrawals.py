"""Training history honours withdrawals: a record found wrong never happened; a repaired one did,
but leaves the features from the day the repair took effect."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from tests.factories import register

from ecredit.ratings.training import load_history, views_at
from ecredit.records.actions import withdraw
from ecredit.records.imports import import_file
from ecredit.records.models import CreditRecord
from ecredit.records.tests.penalties import penalty_row, write_penalties

pytestmark = pytest.mark.django_db


def test_wrong_records_vanish_and_repaired_ones_stay_events(tmp_path, admin_actor):
    sid = register(
        admin_actor,
        tmp_path,
        penalty_row(1)["subject_id"],
        "杭州示例商贸有限公司",
        date(2024, 1, 5),
    )
    rows = [
        penalty_row(1, severity="serious", decision_date="2025-03-01"),
        penalty_row(2, severity="general", decision_date="2025-04-01"),
    ]
    import_file(
        admin_actor,
        write_penalties(tmp_path / "p.csv", rows),
        type_name="administrative_penalty",
        provider="market-regulation",
        received_on=date(2025, 4, 5),
    )
    first, second = CreditRecord.objects.filter(type_name="administrative_penalty").order_by(
        "occurred_on"
    )
    with transaction.atomic():
        withdraw(admin_actor, first, basis="repair", reason="repaired", on=date(2025, 9, 1))
        withdraw(admin_actor, second, basis="objection", reason="wrong", on=date(2025, 6, 1))
    history = load_history(date(2026, 6, 30))
    [items] = [v for v in history.items.values() if any(i[2].type != "registration" for i in v)]
    penalties = lambda views: sorted(  # noqa: E731
        v.occurred_on.isoformat() for v in views if v.type == "administrative_penalty"
    )
    # the wrong one is gone at every date; the repaired one counts until its repair
    assert penalties(views_at(items, date(2025, 5, 1))) == ["2025-03-01"]
    assert penalties(views_at(items, date(2025, 8, 31))) == ["2025-03-01"]
    assert penalties(views_at(items, date(2025, 9, 1))) == []
    # for labels (what happened), the repaired event stays
    assert penalties(views_at(items, date(2026, 6, 30), events=True)) == ["2025-03-01"]
    assert sid
