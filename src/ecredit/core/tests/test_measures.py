"""The measures catalogue: parsing with named errors, and which measures apply to a standing."""

from __future__ import annotations

from datetime import date

import pytest

from ecredit.core.measures import (
    CONTEXTS,
    Applied,
    CatalogueError,
    Ground,
    Standing,
    applicable,
    load_catalogue,
    parse_catalogue,
)

TODAY = date(2026, 11, 30)


def standing(grade: str | None = "BBB", cls: str | None = "B", **kw: object) -> Standing:
    ground = Ground("grade", grade or "", date(2026, 10, 31), 17, "run 3") if grade else None
    return Standing("91330106MA27XXXX1X", TODAY, grade, cls, ground, **kw)  # type: ignore[arg-type]


def ids(applied: list[Applied]) -> list[str]:
    return [a.measure.id for a in applied]


def test_the_shipped_catalogue_covers_every_context_with_rewards_and_penalties() -> None:
    cat = load_catalogue()
    assert cat.version == "measures-v1"
    for context in CONTEXTS:
        kinds = {m.kind for m in cat.measures if context in m.contexts}
        assert kinds == {"reward", "penalty"}, context
    for m in cat.measures:
        assert m.basis["zh"] and m.basis["en"] and m.department["zh"], m.id
    assert set(cat.context_labels) == set(CONTEXTS)


def test_a_middling_enterprise_meets_no_measure() -> None:
    cat = load_catalogue()
    for context in CONTEXTS:
        assert applicable(cat, standing(), context) == []


def test_a_serious_dishonesty_listing_bars_subsidy_with_its_leaf_as_ground() -> None:
    listed = Ground("list", "serious_dishonesty", date(2026, 5, 1), 4242, "杭市监列严〔2026〕3号")
    got = applicable(load_catalogue(), standing(lists=(listed,)), "subsidy")
    assert ids(got) == ["P01"]
    assert got[0].grounds == (listed,)
    assert got[0].grounds[0].ledger_index == 4242


def test_a_penalty_withholds_the_rewards_of_its_context() -> None:
    red = Ground("list", "red", date(2026, 1, 1), 5, "")
    pool = Ground("negative_pool", "in-pool", date(2026, 9, 30), 9, "")
    got = applicable(
        load_catalogue(), standing("AA", "A", lists=(red,), negative_pool=pool), "subsidy"
    )
    assert ids(got) == ["P01", "R01"]
    assert got[1].withheld_by == ("P01",)
    alone = applicable(load_catalogue(), standing("AA", "A", lists=(red,)), "subsidy")
    assert ids(alone) == ["R01"] and alone[0].withheld_by == ()


def test_a_good_grade_rewards_only_after_a_quiet_year() -> None:
    cat = load_catalogue()
    recent = standing("AAA", "A", last_negative_on=date(2026, 3, 1))
    assert ids(applicable(cat, recent, "customs")) == []
    quiet = standing("AAA", "A", last_negative_on=date(2025, 11, 29))
    assert ids(applicable(cat, quiet, "customs")) == ["R03"]
    never = standing("AAA", "A")
    assert ids(applicable(cat, never, "customs")) == ["R03"]


def test_class_d_is_a_ground_of_its_own() -> None:
    got = applicable(load_catalogue(), standing("CCC", "D"), "procurement")
    assert ids(got) == ["P03"]
    assert got[0].grounds[0].kind == "risk_class" and got[0].grounds[0].value == "D"


def test_an_unknown_context_is_named() -> None:
    with pytest.raises(CatalogueError, match="unknown context 'tax'"):
        applicable(load_catalogue(), standing(), "tax")


GOOD = """
version = "t1"
[[measures]]
id = "X"
kind = "penalty"
contexts = ["subsidy"]
label_zh = "x"
label_en = "x"
department_zh = "d"
department_en = "d"
basis_zh = "b"
basis_en = "b"
[measures.trigger]
lists = ["serious_dishonesty"]
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "penalty"', 'kind = "fine"', "measure X: kind must be one of"),
        ('contexts = ["subsidy"]', 'contexts = ["tax"]', "contexts: tax not one of"),
        ('contexts = ["subsidy"]', "contexts = []", "at least one context"),
        ('lists = ["serious_dishonesty"]', 'grades = ["Z"]', "trigger.grades: Z not one of"),
        ('lists = ["serious_dishonesty"]', "colour = 1", "unknown trigger keys colour"),
        ('lists = ["serious_dishonesty"]', "negative_pool = false", "the trigger has no condition"),
        ('basis_en = "b"', "", "basis_zh and basis_en are required"),
        ('version = "t1"', "", "version is required"),
        ('id = "X"', "id = 3", "a unique id is required"),
        ("[[measures]]", "[[measures]", "not TOML"),
    ],
)
def test_a_bad_catalogue_is_refused_with_what_and_where(old: str, new: str, message: str) -> None:
    assert parse_catalogue(GOOD, "t.toml").measures[0].id == "X"
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(GOOD.replace(old, new, 1), "t.toml")
