"""What the regulator console shows: the population by class and grade, by region and platform,
how grades moved between two runs, and the work waiting (read-only, across apps)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from ecredit.core.measures import load_catalogue
from ecredit.core.scoring.policy import RISK_CLASSES
from ecredit.core.scoring.system import GRADES
from ecredit.core.synth.places import CITIES
from ecredit.entities.models import Identifier
from ecredit.measures.models import CheckFeedback, CreditCheck
from ecredit.ratings.models import Evaluation, EvaluationRun, NegativePoolEntry

# City names for the first four digits of GB/T 2260 codes that the platform knows.
CITY_NAMES: dict[str, tuple[str, str]] = {
    d.code[:4]: (c.name, c.pinyin) for c in CITIES for d in c.districts
}


@dataclass
class Row:
    """One bar of a stacked chart: a label and counts per risk class, with shares in percent."""

    key: str
    label: str
    counts: dict[str, int]
    total: int = 0
    shares: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.total = sum(self.counts.values())
        self.shares = {
            k: (100.0 * v / self.total if self.total else 0.0) for k, v in self.counts.items()
        }


def runs() -> list[EvaluationRun]:
    return list(EvaluationRun.objects.filter(finished_at__isnull=False).order_by("-as_of", "-id"))


def _classes_of(run: EvaluationRun) -> dict[int, tuple[str, str]]:
    return {
        ent: (grade, cls)
        for ent, grade, cls in Evaluation.objects.filter(run=run).values_list(
            "enterprise_id", "grade", "risk_class"
        )
    }


def by_class_and_grade(run: EvaluationRun) -> dict[str, Any]:
    qs = Evaluation.objects.filter(run=run)
    classes = dict(qs.values_list("risk_class").annotate(n=Count("id")).order_by())
    grades = dict(qs.values_list("grade").annotate(n=Count("id")).order_by())
    total = sum(classes.values()) or 1
    peak = max(grades.values(), default=1)
    return {
        "total": sum(classes.values()),
        "classes": [
            (c, classes.get(c, 0), 100.0 * classes.get(c, 0) / total) for c in RISK_CLASSES
        ],
        "grades": [(g, grades.get(g, 0), 100.0 * grades.get(g, 0) / peak) for g in GRADES],
    }


def by_region(run: EvaluationRun, lang: str) -> list[Row]:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for code, cls in Evaluation.objects.filter(run=run).values_list(
        "enterprise__region_code", "risk_class"
    ):
        rows[(code or "")[:4]][cls] += 1
    out = []
    for key, counts in rows.items():
        name = CITY_NAMES.get(key)
        if name:
            label = name[0] if lang == "zh" else name[1]
        else:
            label = key or str(_("no region (foreign or not yet registered)"))
        out.append(Row(key, label, {c: counts.get(c, 0) for c in RISK_CLASSES}))
    return sorted(out, key=lambda r: -r.total)


def by_platform(run: EvaluationRun) -> list[Row]:
    """Stores by the platform they sell on (their `store:<platform>:<id>` identifiers)."""
    classes = _classes_of(run)
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    seen: set[tuple[str, int]] = set()
    for ent, value in Identifier.objects.filter(scheme="store").values_list(
        "enterprise_id", "value"
    ):
        platform = value.split(":")[1] if value.count(":") >= 2 else value
        if ent in classes and (platform, ent) not in seen:
            seen.add((platform, ent))
            rows[platform][classes[ent][1]] += 1
    return sorted(
        (Row(p, p, {c: n.get(c, 0) for c in RISK_CLASSES}) for p, n in rows.items()),
        key=lambda r: -r.total,
    )


def transitions(later: EvaluationRun, earlier: EvaluationRun) -> dict[str, Any]:
    """Grade migration from `earlier` to `later`: counts, row shares, up/down/same totals."""
    before = _classes_of(earlier)
    after = _classes_of(later)
    matrix = {g: Counter[str]() for g in GRADES}
    up = down = same = 0
    for ent, (grade, _cls) in after.items():
        if ent not in before:
            continue
        old = before[ent][0]
        matrix[old][grade] += 1
        if GRADES.index(grade) < GRADES.index(old):
            up += 1
        elif GRADES.index(grade) > GRADES.index(old):
            down += 1
        else:
            same += 1
    rows = []
    for g in GRADES:
        total = sum(matrix[g].values())
        rows.append(
            (
                g,
                total,
                [_cell(h, matrix[g][h], total) for h in GRADES],
            )
        )
    return {"rows": rows, "up": up, "down": down, "same": same, "earlier": earlier, "later": later}


def _cell(grade: str, n: int, total: int) -> tuple[str, int, float, str]:
    """(later grade, count, share of the row in percent, CSS alpha for the shade)."""
    share = 100.0 * n / total if total else 0.0
    return grade, n, share, f"{0.08 + 0.8 * share / 100:.2f}" if n else "0"


def pool_activity(today: date, days: int = 30) -> dict[str, int]:
    since = today - timedelta(days=days)
    return {
        "in_pool": NegativePoolEntry.objects.filter(left_on__isnull=True).count(),
        "entered": NegativePoolEntry.objects.filter(entered_on__gte=since).count(),
        "left": NegativePoolEntry.objects.filter(left_on__gte=since).count(),
    }


def checks_summary(lang: str) -> dict[str, Any]:
    by_context = dict(CreditCheck.objects.values_list("context").annotate(n=Count("id")).order_by())
    outcomes = dict(CheckFeedback.objects.values_list("outcome").annotate(n=Count("id")).order_by())
    answered = CreditCheck.objects.filter(feedback__isnull=False).distinct().count()
    total = sum(by_context.values())
    labels = load_catalogue().context_labels
    return {
        "total": total,
        "labels": {k: v.get(lang) or v.get("en", k) for k, v in labels.items()},
        "by_context": sorted(
            ((labels.get(k, {}).get(lang) or k, n) for k, n in by_context.items()),
            key=lambda kv: -kv[1],
        ),
        "outcomes": sorted(outcomes.items(), key=lambda kv: -kv[1]),
        "unanswered": total - answered,
        "recent": list(CreditCheck.objects.select_related("enterprise", "organisation")[:10]),
    }


def inspection_plans(today: date, limit: int = 10) -> list[dict[str, Any]]:
    """The latest plans: progress of results against the draw, outcomes, and whether overdue."""
    from ecredit.supervision import queries as supervision

    out = []
    for plan in supervision.plans()[:limit]:
        row = supervision.summary(plan)
        outcomes = Counter(plan.results.filter(is_current=True).values_list("result", flat=True))
        selected = row["selected_count"] or 0
        done = row["results_count"] or 0
        row |= {
            "outcomes": sorted(outcomes.items()),
            "progress": 100.0 * done / selected if selected else 0.0,
            "overdue": plan.status != plan.CLOSED and plan.due_on < today,
        }
        out.append(row)
    return out


def casework(today: date, limit: int = 10) -> dict[str, Any]:
    """Open objections and repairs with their deadlines, entries to decide, entries expiring."""
    from ecredit.lists import queries as lists

    objections = lists.open_objections()
    repairs = lists.open_repairs()
    return {
        "list_counts": lists.counts(),
        "objections": list(objections[:limit]),
        "objections_total": objections.count(),
        "objections_overdue": objections.filter(answer_due__lt=today).count(),
        "repairs": list(repairs[:limit]),
        "repairs_total": repairs.count(),
        "repairs_overdue": repairs.filter(decide_by__lt=today).count(),
        "to_decide": lists.to_decide().count(),
        "expiring": list(lists.due_to_expire(today)[:limit]),
        "expiring_total": lists.due_to_expire(today).count(),
    }
