"""Vectorised scoring and grading give what `evaluate` gives, row by row, bit for bit."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.core.batch import evaluate_table, grade_scores, score_features
from ecredit.core.scoring import GRADES, IndicatorSystem, evaluate, load_indicator_system
from ecredit.core.scoring.system import SYSTEMS_DIR

V1 = load_indicator_system("v1")


def fractional_system(directory: Path) -> IndicatorSystem:
    """v1 with other weights and every second indicator's points times 0.35 (7, 5.25, 2.45...):
    totals then fall on and near the .5 the score is rounded at."""
    text = (SYSTEMS_DIR / "v1.toml").read_text(encoding="utf-8")
    text = text.replace('name = "v1"', 'name = "v99"')
    for old, new in (("0.15", "0.17"), ("0.30", "0.29"), ("0.30", "0.31"), ("0.15", "0.13")):
        text = text.replace(f"weight = {old}", f"weight = {new}", 1)

    def times(value: str) -> str:
        return repr(round(float(value) * 0.35, 4))

    def band(match: re.Match[str]) -> str:
        return f"[{match.group(1)}, {times(match.group(2))}]"

    blocks = text.split("[[indicators]]")
    for n in range(1, len(blocks), 2):
        blocks[n] = re.sub(r"\[([^\[\],]+), ([^\[\]]+)\]", band, blocks[n])
        blocks[n] = re.sub(
            r"^(otherwise|missing) = (.+)$",
            lambda m: f"{m.group(1)} = {times(m.group(2))}",
            blocks[n],
            flags=re.MULTILINE,
        )
    path = directory / "v99.toml"
    path.write_text("[[indicators]]".join(blocks), encoding="utf-8")
    return load_indicator_system(path)


@pytest.fixture(scope="module")
def fractional(tmp_path_factory: pytest.TempPathFactory) -> IndicatorSystem:
    system = fractional_system(tmp_path_factory.mktemp("systems"))
    points = {p for i in system.indicators for _, p in i.bands}
    assert any(p != int(p) for p in points)
    return system


def feature_values(system: IndicatorSystem) -> dict[str, st.SearchStrategy[float | None]]:
    """Per feature: None, band bounds and veto thresholds, the floats next to them, and others."""
    edges: dict[str, set[float]] = {key: set() for key in system.features_used}
    for ind in system.indicators:
        edges[ind.feature].update(bound for bound, _ in ind.bands)
    for veto in system.vetoes:
        edges[veto.feature].add(veto.at_least)
    out: dict[str, st.SearchStrategy[float | None]] = {}
    for key, bounds in edges.items():
        near = sorted(
            {
                v
                for b in bounds
                for v in (b, math.nextafter(b, -math.inf), math.nextafter(b, math.inf))
            }
        )
        out[key] = st.one_of(
            st.none(),
            st.sampled_from(near),
            st.floats(min_value=-1.0, max_value=2 * max(max(bounds), 1.0)),
        )
    return out


def check(system: IndicatorSystem, rows: list[dict[str, float | None]]) -> None:
    columns: dict[str, Any] = {"enterprise_key": [str(n) for n in range(len(rows))]}
    for key in system.features_used:
        columns[key] = pa.array([row.get(key) for row in rows], pa.float64())
    got = evaluate_table(system, pa.table(columns)).to_pylist()
    for row, graded in zip(rows, got, strict=True):
        result = evaluate(system, row)
        assert (
            graded["score"],
            graded["uncapped_grade"],
            graded["grade"],
            graded["risk_class"],
        ) == (
            result.score,
            result.uncapped_grade,
            result.grade,
            result.risk_class,
        ), row


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_v1_scores_and_grades_equal_evaluate(data: st.DataObject) -> None:
    strategy = st.fixed_dictionaries(feature_values(V1))
    check(V1, data.draw(st.lists(strategy, min_size=1, max_size=40)))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fractional_points_round_exactly_like_evaluate(
    fractional: IndicatorSystem, data: st.DataObject
) -> None:
    strategy = st.fixed_dictionaries(feature_values(fractional))
    check(fractional, data.draw(st.lists(strategy, min_size=1, max_size=40)))


def test_reference_points_and_missing_features() -> None:
    # given a table with one feature column: the others count as missing
    table = pa.table({"enterprise_key": ["a", "b"], "serious_dishonesty_current": [None, 1.0]})
    # when scored and graded
    scores = score_features(V1, table)
    uncapped, grade = grade_scores(V1, scores, table)
    # then nothing known scores 685 (BBB), as the system file pins, and a listing costs
    # 25 of credit history's 105 points at weight 0.3 (71.4 -> 614) and caps the grade at C
    assert scores.dtype == np.int64
    assert scores.tolist() == [685, 614]
    assert [GRADES[i] for i in uncapped] == ["BBB", "BB"]
    assert [GRADES[i] for i in grade] == ["BBB", "C"]
