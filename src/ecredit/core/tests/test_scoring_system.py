"""Indicator system files: the bundled v1, its version, and the loader's refusals."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from ecredit.core.scoring import (
    FEATURE_KEYS,
    GRADES,
    IndicatorSystemError,
    available_systems,
    load_indicator_system,
)
from ecredit.core.scoring.system import SYSTEMS_DIR

V1 = SYSTEMS_DIR / "v1.toml"


def test_v1_has_five_weighted_dimensions() -> None:
    system = load_indicator_system("v1")
    assert [(d.key, d.weight) for d in system.dimensions] == [
        ("qualification", 0.15),
        ("operation", 0.30),
        ("credit_history", 0.30),
        ("fulfilment", 0.15),
        ("related_party", 0.10),
    ]
    assert [d.label_zh for d in system.dimensions] == [
        "企业资质",
        "经营行为",
        "信用记录",
        "履约能力",
        "关联关系",
    ]
    assert len(system.indicators) == 32
    assert {i.feature for i in system.indicators} <= FEATURE_KEYS
    assert [g.grade for g in system.grades] == list(GRADES)
    assert [g.min_score for g in system.grades] == [900, 820, 740, 660, 580, 500, 420, 340, 0]
    assert [(v.feature, v.cap_grade) for v in system.vetoes] == [
        ("serious_dishonesty_current", "C"),
        ("dishonest_debtor_current", "CC"),
        ("registration_terminated", "C"),
        ("licenses_revoked_36m", "C"),
        ("abnormal_operation_current", "B"),
    ]


def test_version_names_the_file_and_its_content_hash() -> None:
    system = load_indicator_system("v1")
    digest = hashlib.sha256(V1.read_bytes()).hexdigest()[:12]
    assert system.version == f"isys-v1+sha256:{digest}"
    assert re.fullmatch(r"isys-v1\+sha256:[0-9a-f]{12}", system.version)


def test_the_default_is_the_newest_bundled_system() -> None:
    assert available_systems()[-1] == "v1"
    assert load_indicator_system() == load_indicator_system("v1")


def test_newest_means_the_highest_number(tmp_path: Path) -> None:
    for name in ("v2", "v10", "v1", "draft"):
        (tmp_path / f"{name}.toml").write_text("")
    assert available_systems(tmp_path) == ["draft", "v1", "v2", "v10"]


def test_an_unknown_system_name_is_refused() -> None:
    with pytest.raises(IndicatorSystemError, match=r"unknown indicator system 'v99'; known: v1"):
        load_indicator_system("v99")
    with pytest.raises(IndicatorSystemError, match="unknown indicator system"):
        load_indicator_system("../v1")


def test_a_copy_loads_from_a_path_with_the_same_version(tmp_path: Path) -> None:
    copy = tmp_path / "v1.toml"
    copy.write_bytes(V1.read_bytes())
    assert load_indicator_system(copy).version == load_indicator_system("v1").version


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


CORRUPTIONS = [
    pytest.param(
        lambda t: _replace(t, "weight = 0.10", "weight = 0.20"),
        "dimensions.weight",
        "weights sum to 1.1, not 1",
        id="weights-sum",
    ),
    pytest.param(
        lambda t: _replace(t, "weight = 0.15", "weight = true"),
        "dimensions[qualification].weight",
        "must be a finite number",
        id="weight-bool",
    ),
    pytest.param(
        lambda t: _replace(
            t,
            "[[0.005, 20], [0.01, 15], [0.02, 7], [0.05, 2]]",
            "[[0.005, 20], [0.02, 15], [0.01, 7]]",
        ),
        "indicators[order_defect_rate].bands[2]",
        "bounds must strictly rise (lower_is_better)",
        id="bands-unordered",
    ),
    pytest.param(
        lambda t: _replace(t, "[[4.8, 20], [4.6, 14]", "[[4.6, 20], [4.8, 14]"),
        "indicators[seller_rating].bands[1]",
        "bounds must strictly fall (higher_is_better)",
        id="bands-wrong-direction",
    ),
    pytest.param(
        lambda t: _replace(t, "[[0.005, 20], [0.01, 15]", "[[0.005, 20], [0.01, 25]"),
        "indicators[order_defect_rate].bands[1]",
        "points must not increase",
        id="points-increase",
    ),
    pytest.param(
        lambda t: _replace(t, "bands = [[0, 25]]", "bands = []"),
        "indicators[serious_dishonesty].bands",
        "must be a non-empty array",
        id="bands-empty",
    ),
    pytest.param(
        lambda t: _replace(t, 'direction = "lower_is_better"', 'direction = "lower"'),
        "indicators[order_defect_rate].direction",
        "'lower' must be one of",
        id="direction",
    ),
    pytest.param(
        lambda t: _replace(
            t, 'feature = "order_defect_rate_6m"', 'feature = "order_defect_rate_9m"'
        ),
        "indicators[order_defect_rate].feature",
        "unknown feature 'order_defect_rate_9m'",
        id="unknown-feature",
    ),
    pytest.param(
        lambda t: _replace(
            t,
            'feature = "serious_dishonesty_current"\nat_least',
            'feature = "blacklisted"\nat_least',
        ),
        "vetoes[serious_dishonesty_listed].feature",
        "unknown feature 'blacklisted'",
        id="unknown-veto-feature",
    ),
    pytest.param(
        lambda t: _replace(t, 'name = "v1"', 'name = "v1"\ncolour = "red"'),
        "colour",
        "unknown key; allowed: dimensions, grades, indicators, name, title_en, title_zh, vetoes",
        id="unknown-top-level-key",
    ),
    pytest.param(
        lambda t: _replace(
            t, "otherwise = 3\nmissing = 8", "otherwise = 3\nmissing = 8\nweight = 2"
        ),
        "indicators[years_in_business].weight",
        "unknown key",
        id="unknown-indicator-key",
    ),
    pytest.param(
        lambda t: _replace(t, "missing = 9\nreason_zh", "missing = 90\nreason_zh"),
        "indicators[order_defect_rate].missing",
        "90 must be in [0, 20]",
        id="missing-above-max",
    ),
    pytest.param(
        lambda t: _replace(t, "otherwise = 3\nmissing = 8", "otherwise = 9\nmissing = 8"),
        "indicators[years_in_business].otherwise",
        "9 must be in [0, 8]",
        id="otherwise-above-last-band",
    ),
    pytest.param(
        lambda t: _replace(t, 'dimension = "qualification"', 'dimension = "charm"'),
        "indicators[years_in_business].dimension",
        "unknown dimension 'charm'",
        id="unknown-dimension",
    ),
    pytest.param(
        lambda t: _replace(t, 'key = "registered_capital"', 'key = "years_in_business"'),
        "indicators[years_in_business].key",
        "duplicate indicator",
        id="duplicate-indicator",
    ),
    pytest.param(
        lambda t: _replace(t, "min_score = 820", "min_score = 950"),
        "grades[AA].min_score",
        "950 must be below AAA's 900",
        id="grade-bands-unordered",
    ),
    pytest.param(
        lambda t: _replace(t, 'grade = "AA"\n', 'grade = "A+"\n'),
        "grades[A+].grade",
        "'A+' out of order; expected AA",
        id="unknown-grade",
    ),
    pytest.param(
        lambda t: _replace(t, "min_score = 0\n", "min_score = 100\n"),
        "grades[C].min_score",
        "the lowest grade must start at 0",
        id="lowest-band",
    ),
    pytest.param(
        lambda t: _replace(
            t, 'min_score = 580\nrisk_class = "B"', 'min_score = 580\nrisk_class = "A"'
        ),
        "grades[BB].risk_class",
        "a lower grade cannot have a lower risk class",
        id="risk-class-order",
    ),
    pytest.param(
        lambda t: _replace(t, 'cap_grade = "CC"', 'cap_grade = "D"'),
        "vetoes[dishonest_debtor].cap_grade",
        "'D' must be one of",
        id="unknown-cap-grade",
    ),
    pytest.param(
        lambda t: _replace(t, 'name = "v1"', 'name = "v2"'),
        "name",
        "'v2' must match the file name 'v1'",
        id="name-mismatch",
    ),
    pytest.param(
        lambda t: _replace(t, "[[dimensions]]\nkey", "[[dimensions]\nkey"),
        "*",
        "not valid TOML",
        id="syntax",
    ),
    pytest.param(
        lambda t: _replace(t, 'title_en = "', 'title_en_typo = "'),
        "title_en_typo",
        "unknown key",
        id="misspelt-key",
    ),
]


@pytest.mark.parametrize(("corrupt", "key", "message"), CORRUPTIONS)
def test_a_corrupted_copy_is_refused_naming_file_and_key(
    tmp_path: Path, corrupt: object, key: str, message: str
) -> None:
    path = tmp_path / "v1.toml"
    path.write_text(corrupt(V1.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(IndicatorSystemError) as caught:
        load_indicator_system(path)
    error = caught.value
    assert (error.path, error.key) == (str(path), key)
    assert message in error.message
    assert str(error).startswith(f"{path}: {key}: ")


def test_a_dimension_without_indicators_is_refused(tmp_path: Path) -> None:
    text = V1.read_text(encoding="utf-8")
    text = _replace(text, "weight = 0.10", "weight = 0.05")
    text = _replace(
        text,
        "# ---------------------------------------------------------------- qualification",
        '[[dimensions]]\nkey = "charm"\nlabel_zh = "魅力"\nlabel_en = "Charm"\nweight = 0.05\n\n#',
    )
    path = tmp_path / "v1.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match=r"dimensions\[charm\]: has no indicators"):
        load_indicator_system(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IndicatorSystemError, match="cannot read"):
        load_indicator_system(tmp_path / "v7.toml")
