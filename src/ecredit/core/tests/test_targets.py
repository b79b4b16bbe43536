"""The model target as data, and training tables built from history without leakage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ecredit.core.scoring.records import RecordView
from ecredit.core.scoring.targets import Target, TargetError, load_target
from ecredit.core.scoring.training import observation_dates, training_rows


def rv(type_: str, occurred: date, received: date | None = None, **values: object) -> RecordView:
    return RecordView(
        type=type_, occurred_on=occurred, received_on=received or occurred, values=values
    )


@pytest.fixture
def target() -> Target:
    return load_target()


def test_the_events_that_count(target: Target) -> None:
    assert target.is_event(rv("serious_dishonesty_listing", date(2025, 1, 1)))
    assert target.is_event(
        rv("administrative_penalty", date(2025, 1, 1), severity="serious", penalty_type="fine")
    )
    assert target.is_event(
        rv(
            "administrative_penalty",
            date(2025, 1, 1),
            severity="general",
            penalty_type="license_revocation",
        )
    )
    assert not target.is_event(
        rv("administrative_penalty", date(2025, 1, 1), severity="general", penalty_type="fine")
    )
    assert target.is_event(rv("enforcement_record", date(2025, 1, 1), dishonest=True))
    assert not target.is_event(rv("enforcement_record", date(2025, 1, 1), dishonest=False))
    assert target.version.startswith("serious-events-v1+sha256:")


def test_label_counts_events_inside_the_horizon_only(target: Target) -> None:
    recs = [rv("serious_dishonesty_listing", date(2026, 3, 31))]
    assert target.label(recs, date(2025, 3, 31)) == 1  # exactly 12 months later: inside
    assert target.label(recs, date(2025, 3, 30)) == 0  # one day more than 12 months
    assert target.label(recs, date(2026, 3, 31)) == 0  # on the as-of date: not after it


def test_window_end_clamps_to_month_end(target: Target) -> None:
    assert target.window_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert target.window_end(date(2025, 8, 31)) == date(2026, 8, 31)


def test_observation_dates_leave_a_full_horizon(target: Target) -> None:
    assert observation_dates(date(2024, 1, 1), date(2025, 12, 31), target, 3) == [
        date(2024, 1, 31),
        date(2024, 4, 30),
        date(2024, 7, 31),
        date(2024, 10, 31),
    ]


def test_training_rows_use_only_what_was_known_and_skip_the_already_bad(target: Target) -> None:
    records = {
        "good": [
            rv("registration", date(2020, 1, 1), status="active", established_on="2020-01-01")
        ],
        "bad-later": [
            rv("registration", date(2020, 1, 1), status="active", established_on="2020-01-01"),
            # happened before t but received after t: not a feature at t, and not "already bad"
            rv(
                "administrative_penalty",
                date(2024, 5, 1),
                date(2024, 9, 1),
                severity="serious",
                penalty_type="fine",
            ),
        ],
        "already-bad": [rv("serious_dishonesty_listing", date(2023, 1, 1))],
        "not-yet-born": [
            rv("registration", date(2025, 1, 1), status="active", established_on="2025-01-01")
        ],
    }
    rows = training_rows(records, [date(2024, 6, 30)], target)
    assert sorted((r.enterprise, r.label) for r in rows) == [("bad-later", 0), ("good", 0)]
    rows = training_rows(records, [date(2024, 3, 31)], target)
    assert sorted((r.enterprise, r.label) for r in rows) == [("bad-later", 1), ("good", 0)]
    (bad,) = [r for r in rows if r.enterprise == "bad-later"]
    assert bad.features["penalties_serious_36m"] == 0


def test_a_broken_target_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text('horizon_months = 0\n[[event]]\ntype = "x"\n')
    with pytest.raises(TargetError, match="horizon_months"):
        load_target("t", tmp_path)
    (tmp_path / "u.toml").write_text("horizon_months = 12\n")
    with pytest.raises(TargetError, match="at least one"):
        load_target("u", tmp_path)
    (tmp_path / "v.toml").write_text(
        'horizon_months = 12\n[[event]]\ntype = "x"\nwhere = { a = [] }\n'
    )
    with pytest.raises(TargetError, match="non-empty"):
        load_target("v", tmp_path)
