"""Grade moves: at once down on a serious event, slowly up, never too far, always with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecredit.core.scoring.policy import (
    Decision,
    GradePolicy,
    GradeState,
    PolicyError,
    decide,
    load_policy,
)

SCORE = {
    "AAA": 820,
    "AA": 750,
    "A": 690,
    "BBB": 630,
    "BB": 570,
    "B": 510,
    "CCC": 450,
    "CC": 390,
    "C": 300,
}


@pytest.fixture
def policy() -> GradePolicy:
    return load_policy()


def run(policy: GradePolicy, grades: list[str], **kw: object) -> list[Decision]:
    state: GradeState | None = None
    out = []
    for g in grades:
        d = decide(policy, state, SCORE[g], **kw)  # type: ignore[arg-type]
        out.append(d)
        state = d.state
    return out


def test_bands_and_classes(policy: GradePolicy) -> None:
    assert [policy.grade_for(s) for s in (800, 799.99, 380, 379.9, 0)] == [
        "AAA",
        "AA",
        "CC",
        "C",
        "C",
    ]
    assert [policy.risk_class(g) for g in ("AA", "BB", "CCC", "C")] == ["A", "B", "C", "D"]


def test_first_grade_is_the_band(policy: GradePolicy) -> None:
    (d,) = run(policy, ["BBB"])
    assert (d.grade, d.rule, d.risk_class) == ("BBB", "initial", "B")


def test_upgrade_only_after_the_better_band_holds(policy: GradePolicy) -> None:
    ds = run(policy, ["BB", "A", "A", "A"])
    assert [(d.grade, d.rule) for d in ds] == [
        ("BB", "initial"),
        ("BB", "upgrade-pending"),
        ("BB", "upgrade-pending"),
        ("A", "upgrade"),  # BB -> BBB -> A: two notches, the most one move allows
    ]


def test_upgrade_moves_at_most_two_notches(policy: GradePolicy) -> None:
    ds = run(policy, ["B", "AA", "AA", "AA"])
    assert ds[-1].grade == "BBB"  # B -> BB -> BBB: two notches
    assert ds[-1].rule == "upgrade"


def test_a_new_negative_resets_the_upgrade(policy: GradePolicy) -> None:
    state = run(policy, ["BB", "A", "A"])[-1].state
    d = decide(policy, state, SCORE["A"], new_negatives=["penalty 12"])
    assert (d.grade, d.rule, d.evidence) == ("BB", "upgrade-blocked", ("penalty 12",))
    assert d.state.better_streak == 0


def test_downgrade_on_a_serious_event_is_immediate_and_full(policy: GradePolicy) -> None:
    state = run(policy, ["AA"])[-1].state
    d = decide(policy, state, SCORE["CC"], new_serious_events=["listing 7"])
    assert (d.grade, d.rule, d.evidence, d.pool_change) == (
        "CC",
        "downgrade-serious-event",
        ("listing 7",),
        "entered",
    )


def test_an_ordinary_downgrade_moves_at_most_two_notches(policy: GradePolicy) -> None:
    ds = run(policy, ["AA", "CC"])
    assert (ds[-1].grade, ds[-1].rule) == ("BBB", "downgrade")


def test_a_veto_caps_at_once(policy: GradePolicy) -> None:
    state = run(policy, ["AAA"])[-1].state
    d = decide(policy, state, SCORE["AAA"], veto_cap="C")
    assert (d.grade, d.rule, d.pool_change) == ("C", "veto", "entered")


def test_the_negative_pool_is_left_by_the_rule(policy: GradePolicy) -> None:
    state = decide(policy, None, SCORE["C"]).state
    assert state.in_pool
    d1 = decide(policy, state, SCORE["C"])
    assert d1.pool_change == ""
    # the grade climbs above CC (slowly), then must stay above it for two evaluations to leave
    s = d1.state
    changes = []
    for _ in range(6):
        d = decide(policy, s, SCORE["BB"])
        changes.append((d.grade, d.rule, d.pool_change))
        s = d.state
    assert changes == [
        ("C", "upgrade-pending", ""),
        ("C", "upgrade-pending", ""),
        ("CCC", "upgrade", ""),  # above CC: first clear evaluation
        ("CCC", "upgrade-pending", "left"),  # second: leaves the pool
        ("CCC", "upgrade-pending", ""),
        ("BB", "upgrade", ""),
    ]
    assert not s.in_pool


def test_every_decision_says_why_in_both_languages(policy: GradePolicy) -> None:
    for d in run(policy, ["BB", "A", "A", "A", "C"]):
        assert d.reason_en and d.reason_zh


@pytest.mark.parametrize(
    "text, message",
    [
        ("[bands]\nAAA = 1\n", "lowest score"),
        ("[bands]\nAAA=9\nAA=8\nA=7\nBBB=6\nBB=6\nB=4\nCCC=3\nCC=2\n", "fall strictly"),
    ],
)
def test_broken_policies_are_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "p.toml").write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy("p", tmp_path)


@pytest.mark.parametrize(
    ("result", "negative"),
    [
        ("no_issue", False),
        ("corrected", False),
        ("referred", True),
        ("not_operating", True),
        ("refused", True),
    ],
)
def test_a_failed_random_inspection_counts_against_the_enterprise(
    policy: GradePolicy, result: str, negative: bool
) -> None:
    from datetime import date

    from ecredit.core.scoring.records import RecordView

    view = RecordView(
        "inspection_result", date(2026, 11, 20), date(2026, 11, 21), {"result": result}
    )
    assert policy.is_negative(view) is negative
