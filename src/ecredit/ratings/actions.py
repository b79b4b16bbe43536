"""Evaluate enterprises as of a date with a versioned indicator system."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.dictionary import load_dictionary
from ecredit.core.scoring import (
    RecordView,
    RelatedParty,
    compute_features,
    evaluate,
    load_indicator_system,
    top_reasons,
)
from ecredit.core.scoring.policy import GradeState, decide, load_policy
from ecredit.core.scoring.system import GRADES
from ecredit.core.scoring.whatif import what_if
from ecredit.entities.models import Enterprise
from ecredit.ratings.models import Evaluation, EvaluationRun, NegativePoolEntry
from ecredit.records.models import CreditRecord

# A value shared by more enterprises than this (a registered-agent address, a placeholder phone)
# says nothing about a relation between them, and would make the graph quadratic.
MAX_RELATED_GROUP = 30
RELATIONS = ("legal_representative", "address", "phone")


class EvaluationError(ValueError):
    """An evaluation that cannot run; the message says why."""


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def records_known_on(as_of: date) -> dict[int, list[tuple[int, RecordView]]]:
    """Per enterprise, (record id, view) of the latest version of every record received by the
    end of `as_of`.

    Point in time: a correction received after `as_of` is not seen; the version it replaced is.
    """
    latest: dict[tuple[str, str, str], tuple[int, int, int, RecordView]] = {}
    rows = (
        CreditRecord.objects.filter(received_at__lte=end_of_day(as_of), occurred_on__lte=as_of)
        .order_by()
        .values_list(
            "pk",
            "enterprise_id",
            "type_name",
            "provider",
            "natural_key",
            "version",
            "occurred_on",
            "received_at",
            "values",
            "disclosure_level",
        )
    )
    tz = timezone.get_current_timezone()
    for (
        pk,
        ent,
        type_name,
        provider,
        key,
        version,
        occurred,
        received,
        values,
        level,
    ) in rows.iterator(chunk_size=5000):
        k = (type_name, provider, key)
        seen = latest.get(k)
        if seen is not None and seen[2] >= version:
            continue
        view = RecordView(
            type=type_name,
            occurred_on=occurred,
            received_on=received.astimezone(tz).date(),
            values=values,
            public=level == "public",
        )
        latest[k] = (pk, ent, version, view)
    grouped: dict[int, list[tuple[int, RecordView]]] = defaultdict(list)
    for pk, ent, _version, view in latest.values():
        grouped[ent].append((pk, view))
    return grouped


def _related(enterprises: list[Enterprise]) -> dict[int, list[tuple[str, int]]]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in enterprises:
        for rel in RELATIONS:
            value = getattr(e, rel).strip()
            if value:
                groups[(rel, value)].append(e.pk)
    links: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for (rel, _value), members in groups.items():
        if 1 < len(members) <= MAX_RELATED_GROUP:
            for a in members:
                links[a].extend((rel, b) for b in members if b != a)
    return links


def _previous(as_of: date) -> dict[int, tuple[date, GradeState, str]]:
    """Per enterprise, its most recent evaluation before `as_of`: date, policy state and grade."""
    out: dict[int, tuple[date, GradeState, str]] = {}
    rows = (
        Evaluation.objects.filter(as_of__lt=as_of)
        .order_by("as_of", "id")
        .values_list("enterprise_id", "as_of", "state", "grade")
    )
    for ent, day, state, grade in rows.iterator(chunk_size=5000):
        st = GradeState(**state) if state else GradeState(grade=grade)
        out[ent] = (day, st, grade)
    return out


def _describe(pk: int, view: RecordView) -> str:
    return f"{view.type} {view.occurred_on.isoformat()} #{pk}"


def evaluate_all(
    actor: Actor,
    as_of: date,
    *,
    system_version: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvaluationRun:
    """Evaluate every enterprise as of `as_of`; store one `Evaluation` each in a new run.

    The indicator system gives the score, the vetoes and the reasons; the grade policy then moves
    the grade from the enterprise's previous evaluation by its rules (downgrade at once on a
    serious new event, upgrade only after the better band has held, at most N notches), and keeps
    the negative-list pool.
    """
    if as_of > timezone.localdate():
        raise EvaluationError(f"as-of date {as_of} is in the future; grades use only what is known")
    system = load_indicator_system(system_version) if system_version else load_indicator_system()
    policy = load_policy()
    enterprises = list(Enterprise.objects.order_by("pk"))
    records = records_known_on(as_of)
    views = {pk: [v for _, v in recs] for pk, recs in records.items()}
    features = {e.pk: compute_features(views.get(e.pk, ()), as_of) for e in enterprises}
    previous = _previous(as_of)
    prev_grade = {pk: p[2] for pk, p in previous.items()}
    subject = {e.pk: e.subject_id for e in enterprises}
    links = _related(enterprises)
    evaluations: list[Evaluation] = []
    pool_changes: list[tuple[int, str, str]] = []
    grades: Counter[str] = Counter()
    for e in enterprises:
        related = [
            RelatedParty(
                relation=rel,
                subject_id=subject[other],
                serious_dishonesty=bool(features[other].get("serious_dishonesty_current")),
                grade=prev_grade.get(other),
            )
            for rel, other in links.get(e.pk, ())
        ]
        if related:
            features[e.pk] = compute_features(views.get(e.pk, ()), as_of, related)
        result = evaluate(system, features[e.pk])
        before = previous.get(e.pk)
        since = before[0] if before else None
        fresh = [
            (pk, v)
            for pk, v in records.get(e.pk, ())
            if since is not None and v.received_on > since
        ]
        caps = [v.cap_grade for v in result.vetoes]
        decision = decide(
            policy,
            before[1] if before else None,
            result.score,
            band=result.uncapped_grade,
            veto_cap=max(caps, key=GRADES.index) if caps else None,
            new_serious_events=[_describe(pk, v) for pk, v in fresh if policy.is_serious(v)],
            new_negatives=[_describe(pk, v) for pk, v in fresh if policy.is_negative(v)],
        )
        data = result.to_json()
        grades[decision.grade] += 1
        evaluations.append(
            Evaluation(
                enterprise=e,
                as_of=as_of,
                score=result.score,
                grade=decision.grade,
                risk_class=decision.risk_class,
                dimension_scores=data["dimension_scores"],
                contributions=data["contributions"],
                vetoes=data["vetoes"],
                features=features[e.pk],
                reasons_zh=top_reasons(result, 3, "zh"),
                reasons_en=top_reasons(result, 3, "en"),
                what_if=_advice(system, features[e.pk], result.grade),
                system_version=result.system_version,
                policy_version=policy.version,
                candidate_grade=decision.candidate,
                rule=decision.rule,
                rule_reason_zh=decision.reason_zh[:300],
                rule_reason_en=decision.reason_en[:300],
                evidence=list(decision.evidence),
                state=asdict(decision.state),
            )
        )
        if decision.pool_change:
            why = "; ".join(v.label_zh for v in result.vetoes) or f"等级 {decision.grade}"
            pool_changes.append((e.pk, decision.pool_change, why))
        if progress is not None:
            progress(1)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            as_of=as_of,
            system_version=system.version,
            dictionary_version=load_dictionary().version,
            started_by=actor.label,
        )
        newest = Evaluation.objects.filter(is_latest=True).aggregate(m=Max("as_of"))["m"]
        becomes_latest = newest is None or as_of >= newest
        if becomes_latest:
            Evaluation.objects.filter(is_latest=True).update(is_latest=False)
        for ev in evaluations:
            ev.run = run
            ev.is_latest = becomes_latest
        Evaluation.objects.bulk_create(evaluations, batch_size=1000)
        by_enterprise = {ev.enterprise_id: ev for ev in evaluations}
        _apply_pool(pool_changes, by_enterprise, as_of)
        run.evaluated = len(evaluations)
        run.grade_counts = dict(sorted(grades.items()))
        run.finished_at = timezone.now()
        run.save()
        audit.record(
            actor,
            "ratings.evaluate",
            "evaluation_run",
            run.pk,
            as_of=as_of.isoformat(),
            system=system.version,
            policy=policy.version,
            evaluated=len(evaluations),
            pool_entered=sum(1 for c in pool_changes if c[1] == "entered"),
            pool_left=sum(1 for c in pool_changes if c[1] == "left"),
        )
    return run


def _apply_pool(
    changes: list[tuple[int, str, str]], evaluations: dict[int, Evaluation], as_of: date
) -> None:
    """Open and close negative-list pool entries as the policy decided."""
    left = [pk for pk, change, _ in changes if change == "left"]
    for entry in NegativePoolEntry.objects.filter(enterprise_id__in=left, left_on__isnull=True):
        entry.left_on = as_of
        entry.left_by = evaluations[entry.enterprise_id]
        entry.save(update_fields=["left_on", "left_by"])
    open_now = set(
        NegativePoolEntry.objects.filter(left_on__isnull=True).values_list(
            "enterprise_id", flat=True
        )
    )
    NegativePoolEntry.objects.bulk_create(
        [
            NegativePoolEntry(
                enterprise_id=pk, entered_on=as_of, entered_by=evaluations[pk], reason=why[:300]
            )
            for pk, change, why in changes
            if change == "entered" and pk not in open_now
        ]
    )


def _advice(system: Any, features: dict[str, float | None], grade: str) -> dict[str, Any]:
    if grade == "AAA":
        return {}
    advice = what_if(system, features)
    return {
        "target_grade": advice.target_grade,
        "reached": advice.reached,
        "zh": advice.texts("zh"),
        "en": advice.texts("en"),
    }


def summary(run: EvaluationRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "as_of": run.as_of.isoformat(),
        "system_version": run.system_version,
        "evaluated": run.evaluated,
        "grades": run.grade_counts,
    }
