"""The inspection draw: exact, deterministic, recomputable from published data alone."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.core.dictionary import load_dictionary
from ecredit.core.identifiers import make_uscc
from ecredit.core.supervision import (
    DrawError,
    Member,
    RulesError,
    assign,
    check_pool,
    commitment,
    draw,
    holds,
    load_rules,
    population_hash,
    population_json,
    u_value,
    verify_plan,
)
from ecredit.core.supervision.rules import parse_rules

RATIOS = {"A": 0.03, "B": 0.05, "C": 0.2, "D": 0.6}
SEED = bytes(range(32))
PLAN = "IP000001"


def population(n: int) -> list[Member]:
    return [Member(make_uscc("9", "1", "330106", f"{i:08d}"), "ABCD"[i % 4]) for i in range(n)]


# --- an independent implementation, written from the text with hmac and hashlib only --


def independent_selection(
    seed: bytes, plan_id: str, pop: list[dict[str, str]], ratios: dict[str, float]
) -> list[str]:
    out = []
    for item in pop:
        mac = hmac.new(seed, (plan_id + ":" + item["key"]).encode("utf-8"), hashlib.sha256)
        u = int.from_bytes(mac.digest()[:8], "big") / 2**64
        if u < ratios[item["class"]]:
            out.append(item["key"])
    return sorted(out)


def independent_pair(
    seed: bytes, plan_id: str, key: str, pool: list[str], banned: set[str]
) -> list[str]:
    ranked = sorted(
        pool,
        key=lambda i: hmac.new(
            seed, (plan_id + ":inspector:" + key + ":" + i).encode("utf-8"), hashlib.sha256
        ).digest(),
    )
    return [i for i in ranked if i not in banned][:2]


def test_the_selection_matches_an_independent_recomputation() -> None:
    pop = population(2000)
    pool = [f"insp-{i:02d}" for i in range(7)]
    conflicts = [
        {"inspector": "insp-03", "key": pop[3].key},
        {"inspector": "insp-05", "key": pop[3].key},
    ]
    result = draw(SEED, PLAN, pop, RATIOS, (), pool, conflicts)
    published = population_json(pop)
    assert list(result.selected) == independent_selection(SEED, PLAN, published, RATIOS)
    for key, pair in result.assignments.items():
        banned = {c["inspector"] for c in conflicts if c["key"] == key}
        assert list(pair) == independent_pair(SEED, PLAN, key, pool, banned)
    # the population hash: SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8)
    canonical = json.dumps(published, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert population_hash(pop) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert commitment(SEED) == hashlib.sha256(SEED).hexdigest()


def test_ratios_are_met_in_proportion() -> None:
    pop = population(4000)
    result = draw(SEED, PLAN, pop, RATIOS)
    by_class = {
        c: sum(1 for m in pop if m.risk_class == c and m.key in set(result.selected))
        for c in "ABCD"
    }
    # 1,000 per class; binomial spread well inside ±5 sd
    assert 0 < by_class["A"] < by_class["B"] < by_class["C"] < by_class["D"]
    assert abs(by_class["D"] - 600) < 80 and abs(by_class["C"] - 200) < 65


def test_a_known_vector() -> None:
    """Pinned so an accidental change of the rule (encoding, byte order, comparison) fails."""
    assert (
        u_value(SEED, PLAN, "91330106000000000X")
        == int.from_bytes(
            hmac.new(SEED, b"IP000001:91330106000000000X", hashlib.sha256).digest()[:8], "big"
        )
        / 2**64
    )
    assert draw(SEED, PLAN, [Member("k", "D")], {"A": 0, "B": 0, "C": 0, "D": 1}).selected == ("k",)
    assert draw(SEED, PLAN, [Member("k", "A")], {"A": 0, "B": 0, "C": 0, "D": 1}).selected == ()


@settings(max_examples=50, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    plan_id=st.text(min_size=1, max_size=20),
    n=st.integers(min_value=0, max_value=60),
    ratios=st.fixed_dictionaries({c: st.floats(0, 1) for c in "ABCD"}),
)
def test_a_draw_is_deterministic_and_follows_the_rule(
    seed: bytes, plan_id: str, n: int, ratios: dict[str, float]
) -> None:
    pop = population(n)
    pool = ["a", "b", "c"]
    first = draw(seed, plan_id, pop, ratios, (), pool)
    assert first == draw(seed, plan_id, list(reversed(pop)), ratios, (), pool)
    assert list(first.selected) == independent_selection(
        seed, plan_id, population_json(pop), ratios
    )
    for key in first.selected:
        assert len(first.assignments[key]) == 2 and len(set(first.assignments[key])) == 2


@settings(max_examples=50, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    pool=st.lists(st.text(min_size=1, max_size=8), min_size=3, max_size=8, unique=True),
    data=st.data(),
)
def test_a_conflicted_inspector_is_never_assigned(
    seed: bytes, pool: list[str], data: st.DataObject
) -> None:
    banned = data.draw(st.lists(st.sampled_from(pool), max_size=len(pool) - 2, unique=True))
    pair = assign(seed, PLAN, "k", pool, banned)
    assert len(pair) == 2 and not set(pair) & set(banned)
    free = [i for i in pool if i not in banned]
    assert set(pair) <= set(free)


def test_too_few_inspectors_without_conflict_is_refused() -> None:
    pop = population(3)
    with pytest.raises(DrawError, match="only 1 inspector"):
        check_pool(pop, ["a", "b"], [{"inspector": "a", "key": pop[1].key}])
    with pytest.raises(DrawError, match="listed twice"):
        check_pool(pop, ["a", "a", "b"], [])


def test_must_inspect_is_selected_whatever_its_u() -> None:
    pop = population(50)
    nobody = {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}
    result = draw(SEED, PLAN, pop, nobody, [pop[7].key], ["a", "b"])
    assert result.selected == (pop[7].key,)
    with pytest.raises(DrawError, match="not in the population"):
        draw(SEED, PLAN, pop, nobody, ["nobody"])


def test_bad_population_and_ratios_are_named() -> None:
    with pytest.raises(DrawError, match="occur twice: k"):
        population_hash([Member("k", "A"), Member("k", "B")])
    with pytest.raises(DrawError, match="class 'E'"):
        population_hash([Member("k", "E")])
    with pytest.raises(DrawError, match=r"D is 1\.5"):
        draw(SEED, PLAN, [], {"A": 0, "B": 0, "C": 0, "D": 1.5})
    with pytest.raises(DrawError, match="exactly the classes"):
        draw(SEED, PLAN, [], {"A": 0})
    with pytest.raises(DrawError, match="32 bytes"):
        draw(b"short", PLAN, [], RATIOS)


def published(seed: bytes = SEED) -> dict[str, Any]:
    pop = population(300)
    pool = ["i1", "i2", "i3", "i4"]
    conflicts = [{"inspector": "i1", "key": pop[0].key}]
    result = draw(seed, PLAN, pop, RATIOS, [pop[0].key], pool, conflicts)
    return {
        "id": PLAN,
        "status": "drawn",
        "population": population_json(pop),
        "population_hash": population_hash(pop),
        "ratios": dict(RATIOS),
        "seed_commitment": commitment(seed),
        "seed": seed.hex(),
        "must_inspect": [{"key": pop[0].key, "rules": ["serious_penalty"]}],
        "inspectors": pool,
        "conflicts": conflicts,
        "selected": list(result.selected),
        "assignments": {k: list(v) for k, v in result.assignments.items()},
        "results": [],
    }


def test_verify_holds_for_an_honest_plan() -> None:
    checks = verify_plan(published())
    assert holds(checks), [c.to_json() for c in checks]
    assert [c.name for c in checks if c.ok] == [
        "population", "ratios", "commitment", "selection", "must_inspect", "assignments", "conflicts",
    ]  # fmt: skip


def test_verify_detects_a_seed_changed_after_the_commitment() -> None:
    plan = published()
    other = secrets.token_bytes(32)
    honest_but_other = published(other)
    plan["seed"] = other.hex()  # the selection and assignments recomputed for the new seed
    plan["selected"] = honest_but_other["selected"]
    plan["assignments"] = honest_but_other["assignments"]
    checks = verify_plan(plan)
    assert not holds(checks)
    failed = [c for c in checks if c.ok is False]
    assert failed[0].name == "commitment"
    assert "the seed was changed after the commitment" in failed[0].detail


@pytest.mark.parametrize(
    "tamper, name",
    [
        (lambda p: p["selected"].pop(), "selection"),
        (lambda p: p["population"].append({"key": "X", "class": "A"}), "population"),
        (lambda p: p["ratios"].update(D=0.7), "selection"),
        (lambda p: p["assignments"].update({p["selected"][1]: ["i9", "i8"]}), "assignments"),
        (lambda p: p["population"][0].update({"class": "D"}), "population"),
        (
            lambda p: p["results"].append(
                {"subject_id": p["selected"][0], "inspectors": ["i9", "i8"], "result": "no_issue"}
            ),
            "results",
        ),
    ],
)
def test_verify_detects_tampering(tamper: Callable[[dict[str, Any]], object], name: str) -> None:
    plan = published()
    tamper(plan)
    failed = [c.name for c in verify_plan(plan) if c.ok is False]
    assert failed[0] == name


def test_verify_of_a_plan_not_yet_drawn_says_so() -> None:
    plan = published()
    plan.update(seed=None, selected=[], assignments={}, status="committed")
    checks = verify_plan(plan)
    assert holds(checks)
    assert next(c for c in checks if c.name == "commitment").ok is None


def test_verify_refuses_what_is_not_a_plan() -> None:
    assert not holds(verify_plan({}))
    draft = verify_plan({"id": "IP000001", "status": "draft", "population_hash": None})
    assert [c.detail for c in draft if c.ok is False] == [
        "nothing to check yet: the plan is a draft, not committed"
    ]
    assert not holds(verify_plan({"id": "x", "population": "nope"}))


def test_the_rules_file_loads_and_names_its_mistakes() -> None:
    rules = load_rules()
    assert rules.ratios == RATIOS
    assert rules.ratios_for("440305") == {"A": 0.02, "B": 0.05, "C": 0.25, "D": 0.6}
    assert rules.ratios_for("110000") == RATIOS
    d = load_dictionary()
    base = {"version": "v", "basis_zh": "x", "basis_en": "x", "ratios": RATIOS}
    bad_code = {**base, "must_inspect": [{
        "name": "n", "type": "administrative_penalty", "where": {"severity": ["grave"]},
        "within_days": 30, "reason_zh": "x", "reason_en": "x",
    }]}  # fmt: skip
    with pytest.raises(RulesError, match="'grave' is not one of light, general, serious"):
        parse_rules(bad_code, d)
    with pytest.raises(RulesError, match="unknown key"):
        parse_rules({**base, "ratio": {}}, d)
    with pytest.raises(RulesError, match="D is 2"):
        parse_rules({**base, "ratios": {**RATIOS, "D": 2}}, d)


def test_must_inspect_rules_match_within_their_window() -> None:
    rules = load_rules()
    as_of = date(2026, 6, 30)
    serious = {"severity": "serious"}
    assert rules.reasons([("administrative_penalty", date(2026, 6, 1), serious)], as_of) == [
        "serious_penalty"
    ]
    assert rules.reasons([("administrative_penalty", date(2025, 12, 1), serious)], as_of) == []
    assert (
        rules.reasons(
            [("administrative_penalty", date(2026, 6, 1), {"severity": "general"})], as_of
        )
        == []
    )
    complaint = {"category": "counterfeit", "status": "open"}
    assert rules.reasons([("consumer_complaint", date(2026, 6, 29), complaint)], as_of) == [
        "serious_complaint"
    ]
    assert rules.reasons([("consumer_complaint", date(2026, 7, 1), complaint)], as_of) == []
