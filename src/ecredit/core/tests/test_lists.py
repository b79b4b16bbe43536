"""List types and procedure as data, the entry workflow, deadlines, repair conditions, proposals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ecredit.core.lists import (
    IllegalTransition,
    ListTypeError,
    load_list_types,
    load_procedure,
    next_state,
)
from ecredit.core.lists.listtypes import DEFAULT_PATH
from ecredit.core.lists.proposals import RecordFact, Standing, grounds
from ecredit.core.lists.repair import check_repair
from ecredit.core.lists.workflow import (
    TRANSITIONS,
    allowed_actions,
    last_listed_day,
    objection_window_end,
)


def test_the_five_lists_load_with_labels_in_three_languages() -> None:
    types = load_list_types()
    assert list(types) == [
        "abnormal_operation",
        "negative_pool",
        "red",
        "serious_dishonesty",
        "watch",
    ]
    sd = types["serious_dishonesty"]
    assert (sd.label_zh, sd.decided_by, sd.objection_days, sd.duration_days) == (
        "严重违法失信名单",
        "regulator",
        10,
        1095,
    )
    assert sd.entry.records == ("serious_dishonesty_listing",)
    assert types["negative_pool"].decided_by == "rating-engine"
    assert types["red"].entry.grades == ("AAA", "AA")
    assert all(t.label_ru and t.exit_zh and t.evidence_en for t in types.values())


def test_procedure_loads() -> None:
    p = load_procedure()
    assert (p.objection_answer_days, p.repair_decision_days, p.attachment_max_bytes) == (
        15,
        15,
        5 * 1024 * 1024,
    )
    assert p.repair_min_days["serious_dishonesty_listing"] == 365


def _copy(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "types").mkdir()
    (tmp_path / "types" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_bad_list_file_names_file_and_key(tmp_path: Path) -> None:
    good = (DEFAULT_PATH / "types" / "watch.toml").read_text(encoding="utf-8")
    path = _copy(
        tmp_path, "watch.toml", good.replace('decided_by = "regulator"', 'decided_by = "me"')
    )
    with pytest.raises(ListTypeError, match=r"watch.toml: decided_by: must be one of"):
        load_list_types(path)


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    good = (DEFAULT_PATH / "types" / "watch.toml").read_text(encoding="utf-8")
    path = _copy(tmp_path, "watch.toml", "colour = 1\n" + good)
    with pytest.raises(ListTypeError, match="colour: is not a known key"):
        load_list_types(path)


def test_every_transition_and_the_illegal_ones() -> None:
    assert next_state("proposed", "notify") == "notified"
    assert next_state("notified", "list") == "decided"
    assert next_state("decided", "publish") == "published"
    assert next_state("published", "remove") == "removed"
    assert next_state("published", "revoke") == "revoked"
    assert next_state("proposed", "dismiss") == "dismissed"
    assert len(TRANSITIONS) == 11
    with pytest.raises(
        IllegalTransition, match="proposed cannot be 'publish'-ed; it can: notify, dismiss"
    ):
        next_state("proposed", "publish")
    with pytest.raises(IllegalTransition, match="it is closed"):
        next_state("removed", "remove")
    with pytest.raises(IllegalTransition, match="unknown action"):
        next_state("proposed", "burn")
    assert allowed_actions("dismissed") == []


def test_deadlines() -> None:
    assert objection_window_end(date(2026, 1, 31), 10) == date(2026, 2, 10)
    assert last_listed_day(date(2026, 1, 1), 365) == date(2027, 1, 1)
    assert last_listed_day(date(2026, 1, 1), None) is None


def test_repair_minimum_period_boundary() -> None:
    p = load_procedure()
    args = dict(
        type_name="administrative_penalty",
        occurred_on=date(2026, 1, 1),
        min_days=90,
        later=[],
        procedure=p,
    )
    before = check_repair(**args, today=date(2026, 4, 1))  # type: ignore[arg-type]
    assert before.earliest_on == date(2026, 4, 2)
    assert [c.ok for c in before.conditions] == [True, False, True]
    assert check_repair(**args, today=date(2026, 4, 2)).ok  # type: ignore[arg-type]


def test_repair_refused_after_a_new_serious_record() -> None:
    p = load_procedure()
    later = [("administrative_penalty", date(2026, 2, 1), {"severity": "serious"})]
    c = check_repair(
        type_name="administrative_penalty",
        occurred_on=date(2026, 1, 1),
        min_days=90,
        later=later,
        today=date(2026, 6, 1),
        procedure=p,
    )
    assert not c.ok
    assert c.conditions[2].en == "a new serious record since (2026-02-01)"
    general = [("administrative_penalty", date(2026, 2, 1), {"severity": "general"})]
    assert check_repair(
        type_name="administrative_penalty",
        occurred_on=date(2026, 1, 1),
        min_days=90,
        later=general,
        today=date(2026, 6, 1),
        procedure=p,
    ).ok


def test_repair_min_days_fall_back_to_the_procedure() -> None:
    c = check_repair(
        type_name="serious_dishonesty_listing",
        occurred_on=date(2026, 1, 1),
        min_days=None,
        later=[],
        today=date(2026, 6, 1),
        procedure=load_procedure(),
    )
    assert c.earliest_on == date(2027, 1, 2)


def test_proposal_grounds() -> None:
    types = load_list_types()
    today = date(2026, 6, 1)
    listing = RecordFact(
        7, "serious_dishonesty_listing", date(2026, 1, 1), {"decision_no": "X1"}, 42
    )
    s = Standing(1, records=(listing,), grade="B", risk_class="C")
    g = grounds(types["serious_dishonesty"], s, today)
    assert g is not None and (g.records, g.leaves) == ((7,), (42,))
    removed = RecordFact(
        7, "serious_dishonesty_listing", date(2026, 1, 1), {"removed_on": "2026-05-01"}, 42
    )
    assert grounds(types["serious_dishonesty"], Standing(1, records=(removed,)), today) is None
    watched = grounds(
        types["watch"], Standing(1, grade="CC", risk_class="C", evaluation_ledger_index=5), today
    )
    assert watched is not None and watched.leaves == (5,)
    by_class = grounds(types["watch"], Standing(1, grade="B", risk_class="D"), today)
    assert by_class is not None and by_class.reason == "风险分类 D / risk class D"
    assert grounds(types["watch"], Standing(1, grade="B", risk_class="C"), today) is None
    red = grounds(types["red"], Standing(1, grade="AA"), today)
    assert red is not None and red.reason == "信用等级 AA / grade AA"
    penalty = RecordFact(8, "administrative_penalty", date(2024, 1, 1), {}, 9)
    assert grounds(types["red"], Standing(1, records=(penalty,), grade="AAA"), today) is None
    old = RecordFact(8, "administrative_penalty", date(2023, 1, 1), {}, 9)
    assert grounds(types["red"], Standing(1, records=(old,), grade="AAA"), today) is not None
    pooled = grounds(types["negative_pool"], Standing(1, pool_ledger_index=3), today)
    assert pooled is not None and pooled.leaves == (3,)
    assert grounds(types["negative_pool"], Standing(1), today) is None


@pytest.mark.parametrize(
    "state, action, after",
    [
        ("proposed", "notify", "notified"),
        ("proposed", "dismiss", "dismissed"),
        ("proposed", "revoke", "revoked"),
        ("notified", "list", "decided"),
        ("notified", "dismiss", "dismissed"),
        ("notified", "revoke", "revoked"),
        ("decided", "publish", "published"),
        ("decided", "dismiss", "dismissed"),
        ("decided", "revoke", "revoked"),
        ("published", "remove", "removed"),
        ("published", "revoke", "revoked"),
    ],
)
def test_each_transition(state: str, action: str, after: str) -> None:
    assert next_state(state, action) == after


@pytest.mark.parametrize("state", ["dismissed", "removed", "revoked"])
def test_closed_entries_take_no_step(state: str) -> None:
    for action in ("notify", "list", "dismiss", "publish", "remove", "revoke"):
        with pytest.raises(IllegalTransition, match="it is closed"):
            next_state(state, action)
