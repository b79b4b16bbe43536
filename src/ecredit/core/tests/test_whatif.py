"""What-if guidance lifts exactly one grade with the enterprise's own indicators."""

from __future__ import annotations

from ecredit.core.scoring import evaluate, load_indicator_system
from ecredit.core.scoring.system import GRADES
from ecredit.core.scoring.whatif import NOT_ACTIONABLE, what_if
from ecredit.core.tests.test_scoring import typical


def test_the_suggested_changes_reach_the_next_grade() -> None:
    system = load_indicator_system("v1")
    features = typical(
        order_defect_rate_6m=0.05, late_shipment_rate_6m=0.12, complaints_unresolved=3.0
    )
    before = evaluate(system, features)
    advice = what_if(system, features)
    assert advice.current_grade == before.grade
    assert advice.target_grade == GRADES[GRADES.index(before.grade) - 1]
    assert advice.reached
    after = dict(features)
    for s in advice.suggestions:
        after[s.feature] = s.target
    assert GRADES.index(evaluate(system, after).grade) <= GRADES.index(before.grade) - 1
    assert all(s.feature not in NOT_ACTIONABLE for s in advice.suggestions)
    assert all(s.score_gain > 0 for s in advice.suggestions)
    assert advice.texts("en")[0].startswith(advice.suggestions[0].label_en + ": improve from")


def test_a_veto_is_lifted_first() -> None:
    system = load_indicator_system("v1")
    advice = what_if(system, typical(abnormal_operation_current=1.0))
    assert advice.suggestions[0].feature == "abnormal_operation_current"
    assert advice.suggestions[0].target == 0.0


def test_aaa_needs_no_advice() -> None:
    from ecredit.core.tests.test_scoring import excellent

    advice = what_if(load_indicator_system("v1"), excellent())
    assert (advice.current_grade, advice.target_grade, advice.suggestions) == ("AAA", None, ())
