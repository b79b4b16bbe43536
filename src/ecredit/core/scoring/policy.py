"""Grade policy as data: score bands, risk classes, and the rules by which a grade moves.

`decide` is a pure function from the previous state and this evaluation's facts to the new grade,
the rule that produced it and why. The app stores the decision beside the evaluation, so every
grade change says which rule moved it and on which records.
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ecredit.core.scoring.records import RecordView
from ecredit.core.scoring.system import GRADES
from ecredit.core.scoring.targets import (
    EventRule,
    Target,
    TargetError,
    load_target,
    parse_event_rule,
)

POLICIES_DIR = Path(__file__).resolve().parent / "policies"
RISK_CLASSES = ("A", "B", "C", "D")


class PolicyError(ValueError):
    """A malformed policy file; the message names the file and key."""


@dataclass(frozen=True)
class GradePolicy:
    name: str
    version: str
    bands: tuple[tuple[str, float], ...]  # best first, lowest score of each grade; C below the last
    risk_classes: dict[str, str]
    upgrade_after: int
    max_notches: int
    downgrade_at_once_on: str
    pool_at_or_below: str
    pool_leave_after: int
    negatives: tuple[EventRule, ...] = ()
    serious: Target | None = None

    def is_negative(self, record: RecordView) -> bool:
        return any(rule.matches(record) for rule in self.negatives) or self.is_serious(record)

    def is_serious(self, record: RecordView) -> bool:
        return self.serious is not None and self.serious.is_event(record)

    def grade_for(self, score: float) -> str:
        for grade, floor in self.bands:
            if score >= floor:
                return grade
        return GRADES[-1]

    def risk_class(self, grade: str) -> str:
        return self.risk_classes[grade]


def rank(grade: str) -> int:
    """0 for AAA … 8 for C: a larger rank is a worse grade."""
    return GRADES.index(grade)


def worse(a: str, b: str) -> str:
    return a if rank(a) >= rank(b) else b


@dataclass(frozen=True)
class GradeState:
    """What the policy remembers between evaluations of one enterprise."""

    grade: str | None = None
    better_streak: int = 0  # consecutive evaluations whose candidate was better than `grade`
    in_pool: bool = False
    pool_clear_streak: int = 0


@dataclass(frozen=True)
class Decision:
    grade: str
    risk_class: str
    candidate: str
    rule: str  # initial, unchanged, veto, downgrade-serious-event, downgrade, upgrade, upgrade-pending, upgrade-blocked
    reason_en: str
    reason_zh: str
    evidence: tuple[str, ...] = ()
    state: GradeState = field(default_factory=GradeState)
    pool_change: str = ""  # "", "entered", "left"


def _step(frm: str, to: str, notches: int) -> str:
    """Move from `frm` toward `to` by at most `notches`."""
    a, b = rank(frm), rank(to)
    if abs(b - a) <= notches:
        return to
    return GRADES[a + notches if b > a else a - notches]


def decide(
    policy: GradePolicy,
    previous: GradeState | None,
    score: float,
    *,
    veto_cap: str | None = None,
    new_serious_events: Sequence[str] = (),
    new_negatives: Sequence[str] = (),
    band: str | None = None,
) -> Decision:
    """The new grade for one enterprise given its previous state and this evaluation's facts.

    `veto_cap` is the strictest grade cap of the vetoes that hold; `new_serious_events` and
    `new_negatives` name the records received since the previous evaluation (serious events are
    also negatives). `band` overrides the policy's score bands (an indicator system without a
    statistical model grades on its own bands).
    """
    prev = previous or GradeState()
    banded = band or policy.grade_for(score)
    candidate = worse(banded, veto_cap) if veto_cap else banded
    negatives = tuple(dict.fromkeys([*new_serious_events, *new_negatives]))
    if prev.grade is None:
        grade, rule, streak = candidate, "initial", 0
        en, zh = (
            f"first grade: score {score:.0f} is in band {banded}",
            f"首次评级：评分{score:.0f}属于{banded}档",
        )
    elif veto_cap and rank(prev.grade) < rank(veto_cap):
        grade, rule, streak = candidate, "veto", 0
        en, zh = f"a veto caps the grade at {veto_cap}", f"触发否决项，等级最高为{veto_cap}"
    elif rank(candidate) > rank(prev.grade):
        streak = 0
        if new_serious_events:
            grade, rule = candidate, "downgrade-serious-event"
            en, zh = (
                "downgraded at once after a serious new negative event",
                "发生新的严重失信事件，立即降级",
            )
        else:
            grade, rule = _step(prev.grade, candidate, policy.max_notches), "downgrade"
            en = f"score {score:.0f} fell to band {candidate}; moved at most {policy.max_notches} notches"
            zh = f"评分{score:.0f}降至{candidate}档；每次最多调整{policy.max_notches}级"
    elif rank(candidate) < rank(prev.grade):
        if negatives:
            grade, rule, streak = prev.grade, "upgrade-blocked", 0
            en, zh = (
                "no upgrade: new negative records since the last evaluation",
                "自上次评价以来有新的负面记录，暂不升级",
            )
        else:
            streak = prev.better_streak + 1
            if streak >= policy.upgrade_after:
                grade, rule, streak = _step(prev.grade, candidate, policy.max_notches), "upgrade", 0
                en = (
                    f"band {candidate} held for {policy.upgrade_after} evaluations with no new negatives; "
                    f"moved at most {policy.max_notches} notches"
                )
                zh = f"连续{policy.upgrade_after}次评价处于{candidate}档且无新的负面记录，予以升级（每次最多{policy.max_notches}级）"
            else:
                grade, rule = prev.grade, "upgrade-pending"
                en = f"band {candidate} held {streak} of {policy.upgrade_after} evaluations needed to upgrade"
                zh = f"已连续{streak}次评价处于{candidate}档，需{policy.upgrade_after}次方可升级"
    else:
        grade, rule, streak = prev.grade, "unchanged", 0
        en, zh = f"score {score:.0f} stays in band {banded}", f"评分{score:.0f}仍在{banded}档"
    state = replace(prev, grade=grade, better_streak=streak)
    state, pool_change = _pool(policy, state, grade, veto_cap)
    return Decision(
        grade=grade,
        risk_class=policy.risk_class(grade),
        candidate=candidate,
        rule=rule,
        reason_en=en,
        reason_zh=zh,
        evidence=negatives if rule in ("downgrade-serious-event", "upgrade-blocked") else (),
        state=state,
        pool_change=pool_change,
    )


def _pool(
    policy: GradePolicy, state: GradeState, grade: str, veto_cap: str | None
) -> tuple[GradeState, str]:
    bad = rank(grade) >= rank(policy.pool_at_or_below) or veto_cap is not None
    if bad:
        return replace(state, in_pool=True, pool_clear_streak=0), "" if state.in_pool else "entered"
    if not state.in_pool:
        return state, ""
    streak = state.pool_clear_streak + 1
    if streak >= policy.pool_leave_after:
        return replace(state, in_pool=False, pool_clear_streak=0), "left"
    return replace(state, pool_clear_streak=streak), ""


def load_policy(name: str = "grade-policy-v1", directory: Path = POLICIES_DIR) -> GradePolicy:
    path = directory / f"{name}.toml"
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"{path}: no such policy file") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from exc

    def need(table: str, key: str) -> object:
        try:
            return data[table][key]
        except (KeyError, TypeError) as exc:
            raise PolicyError(f"{path}: [{table}] {key} is missing") from exc

    bands_raw = data.get("bands")
    if not isinstance(bands_raw, dict) or list(bands_raw) != list(GRADES[:-1]):
        raise PolicyError(
            f"{path}: [bands] must give the lowest score of {', '.join(GRADES[:-1])}, in that order"
        )
    floors = [float(v) for v in bands_raw.values()]
    if any(b >= a for a, b in itertools.pairwise(floors)):
        raise PolicyError(f"{path}: [bands] floors must fall strictly from AAA to CC")
    classes = data.get("risk_classes")
    if (
        not isinstance(classes, dict)
        or set(classes) != set(GRADES)
        or not set(classes.values()) <= set(RISK_CLASSES)
    ):
        raise PolicyError(f"{path}: [risk_classes] must map every grade to one of A, B, C, D")
    order = [RISK_CLASSES.index(classes[g]) for g in GRADES]
    if order != sorted(order):
        raise PolicyError(f"{path}: [risk_classes] must not get better as grades get worse")
    upgrade_after = need("moves", "upgrade_after_evaluations")
    max_notches = need("moves", "max_notches_per_move")
    leave_after = need("negative_pool", "leave_after_evaluations")
    for key, value in (
        ("upgrade_after_evaluations", upgrade_after),
        ("max_notches_per_move", max_notches),
        ("leave_after_evaluations", leave_after),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 24:
            raise PolicyError(f"{path}: {key} must be a whole number from 1 to 24")
    pool_grade = need("negative_pool", "at_or_below")
    if pool_grade not in GRADES:
        raise PolicyError(f"{path}: [negative_pool] at_or_below must be a grade")
    assert (
        isinstance(upgrade_after, int)
        and isinstance(max_notches, int)
        and isinstance(leave_after, int)
    )
    try:
        negatives = [
            parse_event_rule(item, f"{path}: negative[{i}]")
            for i, item in enumerate(data.get("negative", []))
        ]
    except TargetError as exc:
        raise PolicyError(str(exc)) from exc
    serious_name = str(need("moves", "downgrade_at_once_on"))
    try:
        serious = load_target(serious_name)
    except ValueError as exc:
        raise PolicyError(f"{path}: [moves] downgrade_at_once_on: {exc}") from exc
    return GradePolicy(
        name=str(data.get("name", name)),
        version=f"{name}+sha256:{hashlib.sha256(raw).hexdigest()[:12]}",
        bands=tuple((g, float(v)) for g, v in bands_raw.items()),
        risk_classes={str(k): str(v) for k, v in classes.items()},
        upgrade_after=upgrade_after,
        max_notches=max_notches,
        downgrade_at_once_on=serious_name,
        pool_at_or_below=str(pool_grade),
        pool_leave_after=leave_after,
        negatives=tuple(negatives),
        serious=serious,
    )
