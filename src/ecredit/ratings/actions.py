"""Evaluate enterprises as of a date with a versioned indicator system."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

import numpy as np
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
from ecredit.core.scoring.policy import GradePolicy, GradeState, decide, load_policy
from ecredit.core.scoring.system import GRADES
from ecredit.core.scoring.whatif import what_if
from ecredit.entities.models import Enterprise
from ecredit.ledger import actions as ledger
from ecredit.ratings.models import Evaluation, EvaluationRun, NegativePoolEntry
from ecredit.records.models import CreditRecord, Withdrawal

# A value shared by more enterprises than this (a registered-agent address, a placeholder phone)
# says nothing about a relation between them, and would make the graph quadratic.
MAX_RELATED_GROUP = 30
RELATIONS = ("legal_representative", "address", "phone")
# Challengers scored beside the champion in each run (the newest first).
MAX_CHALLENGERS = 4


class EvaluationError(ValueError):
    """An evaluation that cannot run; the message says why."""


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def record_rows(
    as_of: date, order_by: tuple[str, ...] = (), enterprise_ids: Collection[int] | None = None
) -> Any:
    """Every record version received by the end of `as_of` about a fact on or before it, as
    (pk, enterprise id, type, provider, natural key, version, occurred on, received at, values,
    disclosure level) tuples; only about `enterprise_ids` when given."""
    qs = CreditRecord.objects.filter(received_at__lte=end_of_day(as_of), occurred_on__lte=as_of)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=list(enterprise_ids))
    return qs.order_by(*order_by).values_list(
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


def records_known_on(
    as_of: date,
    enterprise_ids: Collection[int] | None = None,
    withdrawn_before: datetime | None = None,
) -> dict[int, list[tuple[int, RecordView]]]:
    """Per enterprise, (record id, view) of the latest version of every record received by the
    end of `as_of`, leaving out a latest version withdrawn (objection upheld, repair approved) on
    or before `as_of` (and written before `withdrawn_before`, when given: what a run that started
    then saw); only about `enterprise_ids` when given.

    Point in time: a correction received after `as_of` is not seen; the version it replaced is.
    """
    latest: dict[tuple[str, str, str], tuple[int, int, int, RecordView]] = {}
    rows = record_rows(as_of, enterprise_ids=enterprise_ids)
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
    withdrawals = Withdrawal.objects.filter(effective_on__lte=as_of)
    if withdrawn_before is not None:
        withdrawals = withdrawals.filter(created_at__lt=withdrawn_before)
    withdrawn = set(withdrawals.values_list("record_id", flat=True))
    grouped: dict[int, list[tuple[int, RecordView]]] = defaultdict(list)
    for pk, ent, _version, view in latest.values():
        if pk not in withdrawn:
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


def _neighbourhood(
    everyone: list[Enterprise], only: Collection[int]
) -> tuple[list[Enterprise], dict[int, list[tuple[str, int]]]]:
    """The enterprises in `only` and their related parties (found among `everyone`), and the
    links of those in `only`: what evaluating just them needs."""
    scope = set(only)
    related = _related(everyone)
    links = {pk: related.get(pk, []) for pk in scope}
    needed = scope | {other for pk in scope for _, other in links[pk]}
    return [e for e in everyone if e.pk in needed], links


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


def features_known_on(
    as_of: date,
    enterprises: list[Enterprise],
    records: dict[int, list[tuple[int, RecordView]]],
    previous: dict[int, tuple[date, GradeState, str]] | None = None,
    links: dict[int, list[tuple[str, int]]] | None = None,
) -> dict[int, dict[str, float | None]]:
    """Features of every enterprise as of `as_of`; related parties through shared legal
    representative, address or phone, flagged by their own features and previous grades
    (`previous`: what `_previous(as_of)` returns, read here when not given)."""
    views = {pk: [v for _, v in recs] for pk, recs in records.items()}
    features = {e.pk: compute_features(views.get(e.pk, ()), as_of) for e in enterprises}
    if previous is None:
        previous = _previous(as_of)
    prev_grade = {pk: p[2] for pk, p in previous.items()}
    subject = {e.pk: e.subject_id for e in enterprises}
    if links is None:
        links = _related(enterprises)
    first_pass = dict(features)
    for e in enterprises:
        related = [
            RelatedParty(
                relation=rel,
                subject_id=subject[other],
                serious_dishonesty=bool(first_pass[other].get("serious_dishonesty_current")),
                grade=prev_grade.get(other),
            )
            for rel, other in links.get(e.pk, ())
        ]
        if related:
            features[e.pk] = compute_features(views.get(e.pk, ()), as_of, related)
    return features


@dataclass
class _Scored:
    """What the champion model says about each enterprise, in evaluation order."""

    entry: Any  # ModelVersion
    model: Any  # training.LoadedModel of the entry
    risk: np.ndarray
    score: np.ndarray  # float, before rounding
    reasons: list[list[Any]]
    challenger_scores: list[dict[str, int]]
    challengers: dict[str, dict[str, Any]]


def _score_with_models(
    system_version: str,
    policy: GradePolicy,
    enterprises: list[Enterprise],
    features: dict[int, dict[str, float | None]],
) -> _Scored | None:
    from ecredit.core.scoring.explain import explain
    from ecredit.ratings import training

    entry = training.champion(system_version)
    if entry is None:
        return None
    rows = [features[e.pk] for e in enterprises]
    try:
        champ = training.load(entry)
    except ValueError as exc:  # the champion's file is missing or altered: grade nothing
        raise EvaluationError(
            f"the champion model {entry.version} cannot be used: {exc}. To grade with the "
            "indicator system meanwhile, run `ecredit evaluate --no-model`"
        ) from None
    X = training.frame(rows, champ.features)
    risk = champ.predict(X)
    score = champ.score_map.score_array(risk)
    reasons = explain(champ.predict, champ.score_map, X, champ.reference, n=3)
    per_row: list[dict[str, int]] = [{} for _ in enterprises]
    compared: dict[str, dict[str, Any]] = {}
    ours = np.array([GRADES.index(policy.grade_for(float(round(s)))) for s in score])
    for other in training.challengers(system_version)[:MAX_CHALLENGERS]:
        try:
            loaded = training.load(other)
        except ValueError as exc:  # an altered or missing file: say so, grade with the champion
            compared[other.version] = {"error": str(exc)}
            continue
        theirs_score = loaded.score_map.score_array(
            loaded.predict(training.frame(rows, loaded.features))
        )
        theirs = np.array([GRADES.index(policy.grade_for(float(round(s)))) for s in theirs_score])
        for i, s in enumerate(theirs_score):
            per_row[i][other.version] = round(float(s))
        compared[other.version] = {
            "family": other.family,
            "same_grade": float(np.mean(theirs == ours)) if len(ours) else 0.0,
            "within_one_notch": float(np.mean(np.abs(theirs - ours) <= 1)) if len(ours) else 0.0,
            "score_correlation": _spearman(score, theirs_score),
            "test_auc": other.metrics.get("auc"),
        }
    return _Scored(entry, champ, risk, score, reasons, per_row, compared)


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3:
        return None
    ra = np.argsort(np.argsort(a, kind="stable"), kind="stable").astype(np.float64)
    rb = np.argsort(np.argsort(b, kind="stable"), kind="stable").astype(np.float64)
    if ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def evaluate_all(
    actor: Actor,
    as_of: date,
    *,
    system_version: str | None = None,
    progress: Callable[[int], None] | None = None,
    use_model: bool = True,
    only: Collection[int] | None = None,
) -> EvaluationRun:
    """Evaluate every enterprise as of `as_of`; store one `Evaluation` each in a new run.

    With a champion model for the indicator system, the champion's probability of a serious event,
    mapped through its frozen normal score map, is the published score and the policy's bands
    give the grade; its reasons and what-if come from the model, and challengers are scored
    beside it. Without one, the indicator system's own score and bands grade. Either way the
    indicator system's vetoes cap the grade, and the grade policy moves the grade from the
    enterprise's previous evaluation by its rules (downgrade at once on a serious new event,
    upgrade only after the better band has held, at most N notches) and keeps the negative-list
    pool.

    `only` (enterprise ids) re-evaluates just those enterprises, e.g. after an upheld objection
    or an approved repair: their related parties are found in the whole population and read, and
    the run holds one evaluation per enterprise in `only`.
    """
    if as_of > timezone.localdate():
        raise EvaluationError(f"as-of date {as_of} is in the future; grades use only what is known")
    system = load_indicator_system(system_version) if system_version else load_indicator_system()
    policy = load_policy()
    enterprises = list(Enterprise.objects.order_by("pk"))
    links = None
    if only is not None:
        scope = set(only)
        enterprises, links = _neighbourhood(enterprises, scope)
    records = records_known_on(as_of, None if only is None else [e.pk for e in enterprises])
    previous = _previous(as_of)
    features = features_known_on(as_of, enterprises, records, previous, links)
    if only is not None:
        enterprises = [e for e in enterprises if e.pk in scope]
    results = {e.pk: evaluate(system, features[e.pk]) for e in enterprises}
    scored = (
        _score_with_models(system.version, policy, enterprises, features) if use_model else None
    )
    model_advice = _model_advice(scored, policy, enterprises, features, results)
    evaluations: list[Evaluation] = []
    pool_changes: list[tuple[int, str, str]] = []
    grades: Counter[str] = Counter()
    published: list[float] = []
    for i, e in enumerate(enterprises):
        result = results[e.pk]
        before = previous.get(e.pk)
        since = before[0] if before else None
        fresh = [
            (pk, v)
            for pk, v in records.get(e.pk, ())
            if since is not None and v.received_on > since
        ]
        caps = [v.cap_grade for v in result.vetoes]
        if scored is not None:
            score = round(float(scored.score[i]))
            band = None  # the policy's bands on the normal score
            reasons_zh = _veto_reasons(result, "zh") + [r.text("zh") for r in scored.reasons[i]]
            reasons_en = _veto_reasons(result, "en") + [r.text("en") for r in scored.reasons[i]]
        else:
            score, band = result.score, result.uncapped_grade
            reasons_zh, reasons_en = top_reasons(result, 3, "zh"), top_reasons(result, 3, "en")
        decision = decide(
            policy,
            before[1] if before else None,
            score,
            band=band,
            veto_cap=max(caps, key=GRADES.index) if caps else None,
            new_serious_events=[_describe(pk, v) for pk, v in fresh if policy.is_serious(v)],
            new_negatives=[_describe(pk, v) for pk, v in fresh if policy.is_negative(v)],
        )
        data = result.to_json()
        grades[decision.grade] += 1
        published.append(score)
        evaluations.append(
            Evaluation(
                enterprise=e,
                as_of=as_of,
                score=score,
                grade=decision.grade,
                risk_class=decision.risk_class,
                dimension_scores=data["dimension_scores"],
                contributions=data["contributions"],
                vetoes=data["vetoes"],
                features=features[e.pk],
                reasons_zh=reasons_zh[:3],
                reasons_en=reasons_en[:3],
                what_if=(
                    model_advice[i]
                    if model_advice is not None and not result.vetoes
                    else _advice(system, features[e.pk], result.grade)
                ),
                system_version=result.system_version,
                policy_version=policy.version,
                model_version=scored.entry if scored is not None else None,
                risk=float(scored.risk[i]) if scored is not None else None,
                challenger_scores=scored.challenger_scores[i] if scored is not None else {},
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
            model_version=scored.entry if scored is not None else None,
            normality=_normality(published),
            challengers=scored.challengers if scored is not None else {},
        )
        latest = Evaluation.objects.filter(is_latest=True)
        if only is not None:
            latest = latest.filter(enterprise_id__in=[e.pk for e in enterprises])
        newest = latest.aggregate(m=Max("as_of"))["m"]
        becomes_latest = newest is None or as_of >= newest
        if becomes_latest:
            latest.update(is_latest=False)
        for ev in evaluations:
            ev.run = run
            ev.is_latest = becomes_latest
        first = ledger.append("evaluation/v1", [evaluation_leaf(ev) for ev in evaluations])
        for i, ev in enumerate(evaluations):
            ev.ledger_index = first + i
        Evaluation.objects.bulk_create(evaluations, batch_size=1000)
        by_enterprise = {ev.enterprise_id: ev for ev in evaluations}
        _apply_pool(pool_changes, by_enterprise, as_of, run)
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
            model=scored.entry.version if scored is not None else "",
            evaluated=len(evaluations),
            pool_entered=sum(1 for c in pool_changes if c[1] == "entered"),
            pool_left=sum(1 for c in pool_changes if c[1] == "left"),
        )
    return run


def _veto_reasons(result: Any, lang: str) -> list[str]:
    sep = "：" if lang == "zh" else ": "
    return [
        f"{v.label_zh if lang == 'zh' else v.label_en}{sep}"
        f"{v.reason_zh if lang == 'zh' else v.reason_en}"
        for v in result.vetoes
    ]


def _normality(scores: list[float]) -> dict[str, Any] | None:
    from ecredit.core.scoring.calibration import normality

    if len(scores) < 8 or min(scores) == max(scores):
        return None
    return dict(normality(scores).to_json())


def _model_advice(
    scored: _Scored | None,
    policy: GradePolicy,
    enterprises: list[Enterprise],
    features: dict[int, dict[str, float | None]],
    results: dict[int, Any],
) -> list[dict[str, Any]] | None:
    """What-if from the champion for enterprises without a veto (a veto's advice is to lift it,
    which the indicator system's what-if gives)."""
    if scored is None:
        return None
    from ecredit.core.scoring.explain import what_if_batch
    from ecredit.ratings import training

    champ = scored.model
    rows = [i for i, e in enumerate(enterprises) if not results[e.pk].vetoes]
    out: list[dict[str, Any]] = [{} for _ in enterprises]
    if not rows:
        return out
    X = training.frame([features[enterprises[i].pk] for i in rows], champ.features)
    bands = [policy.grade_for(float(round(float(scored.score[i])))) for i in rows]
    advice = what_if_batch(
        champ.predict,
        champ.score_map,
        X,
        champ.reference,
        lambda s: policy.grade_for(float(round(s))),
        bands,
    )
    for i, a in zip(rows, advice, strict=True):
        if a.target_grade is not None:
            out[i] = {
                "target_grade": a.target_grade,
                "reached": a.reached,
                "zh": a.texts("zh"),
                "en": a.texts("en"),
            }
    return out


def _apply_pool(
    changes: list[tuple[int, str, str]],
    evaluations: dict[int, Evaluation],
    as_of: date,
    run: EvaluationRun,
) -> None:
    """Open and close negative-list pool entries as the policy decided; each decision is a leaf."""
    left = [pk for pk, change, _ in changes if change == "left"]
    leaving = list(
        NegativePoolEntry.objects.filter(enterprise_id__in=left, left_on__isnull=True)
        .select_related("enterprise")
        .order_by("enterprise_id")
    )
    first = ledger.append(
        "pool/v1",
        [pool_leaf(e.enterprise.subject_id, "left", as_of, e.reason, run.pk) for e in leaving],
    )
    for i, entry in enumerate(leaving):
        entry.left_on = as_of
        entry.left_by = evaluations[entry.enterprise_id]
        entry.left_ledger_index = first + i
        entry.save(update_fields=["left_on", "left_by", "left_ledger_index"])
    open_now = set(
        NegativePoolEntry.objects.filter(left_on__isnull=True).values_list(
            "enterprise_id", flat=True
        )
    )
    entering = [
        NegativePoolEntry(
            enterprise_id=pk, entered_on=as_of, entered_by=evaluations[pk], reason=why[:300]
        )
        for pk, change, why in changes
        if change == "entered" and pk not in open_now
    ]
    first = ledger.append(
        "pool/v1",
        [
            pool_leaf(
                evaluations[e.enterprise_id].enterprise.subject_id,
                "entered",
                as_of,
                e.reason,
                run.pk,
            )
            for e in entering
        ],
    )
    for i, entry in enumerate(entering):
        entry.ledger_index = first + i
    NegativePoolEntry.objects.bulk_create(entering)


def evaluation_leaf(ev: Evaluation) -> dict[str, Any]:
    """The fields of an evaluation's ledger leaf (`core.ledger.leaves`, evaluation/v1)."""
    return {
        "run": ev.run_id,
        "subject_id": ev.enterprise.subject_id,
        "as_of": ev.as_of,
        "score": ev.score,
        "grade": ev.grade,
        "risk_class": ev.risk_class,
        "candidate_grade": ev.candidate_grade,
        "rule": ev.rule,
        "system_version": ev.system_version,
        "policy_version": ev.policy_version,
        "model_version": ev.model_version.version if ev.model_version else None,
        "probability": ev.risk,
    }


def pool_leaf(subject_id: str, action: str, on: date, reason: str, run: int) -> dict[str, Any]:
    """The fields of a negative-list pool decision's leaf (pool/v1)."""
    return {"subject_id": subject_id, "action": action, "on": on, "reason": reason, "run": run}


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
        "model_version": run.model_version.version if run.model_version else None,
        "evaluated": run.evaluated,
        "normality": run.normality,
        "grades": run.grade_counts,
    }


def reproduce(evaluation: Evaluation) -> dict[str, Any]:
    """Recompute `evaluation` from the records known on its date, with the same indicator system
    and model version, over the same enterprises in the same order as its run; compare features,
    probability (bit for bit) and score."""
    from ecredit.ratings import training

    run = evaluation.run
    as_of = evaluation.as_of
    ids = list(run.evaluations.order_by("enterprise_id").values_list("enterprise_id", flat=True))
    enterprises = list(Enterprise.objects.filter(pk__in=ids).order_by("pk"))
    known = records_known_on(as_of, withdrawn_before=run.started_at)
    # related parties as the run found them, in the whole population (a run may cover a few)
    around, links = _neighbourhood(list(Enterprise.objects.order_by("pk")), ids)
    features = features_known_on(as_of, around, known, links=links)
    mine = features[evaluation.enterprise_id]
    checks: list[dict[str, Any]] = [
        {
            "what": "features",
            "same": _same_features(mine, evaluation.features),
            "stored": len(evaluation.features),
            "now": len(mine),
        }
    ]
    if evaluation.model_version is not None:
        loaded = training.load(evaluation.model_version)
        X = training.frame([features[e.pk] for e in enterprises], loaded.features)
        risk = loaded.predict(X)
        i = [e.pk for e in enterprises].index(evaluation.enterprise_id)
        now_risk = float(risk[i])
        now_score = round(float(loaded.score_map.score_array(risk[i : i + 1])[0]))
        checks.append(
            {
                "what": "probability",
                "same": evaluation.risk is not None
                and now_risk.hex() == float(evaluation.risk).hex(),
                "stored": evaluation.risk,
                "now": now_risk,
            }
        )
    else:
        # a stored version is "isys-<name>+sha256:<digest>"; the bundled file must still match
        name = evaluation.system_version.split("+", 1)[0].removeprefix("isys-")
        system = load_indicator_system(name)
        checks.append(
            {
                "what": "indicator system",
                "same": system.version == evaluation.system_version,
                "stored": evaluation.system_version,
                "now": system.version,
            }
        )
        now_score = evaluate(system, mine).score
    checks.append(
        {
            "what": "score",
            "same": now_score == evaluation.score,
            "stored": evaluation.score,
            "now": now_score,
        }
    )
    return {
        "evaluation": evaluation.pk,
        "subject_id": evaluation.enterprise.subject_id,
        "as_of": as_of.isoformat(),
        "model_version": evaluation.model_version.version if evaluation.model_version else None,
        "system_version": evaluation.system_version,
        "checks": checks,
        "same": all(c["same"] for c in checks),
    }


def _same_features(a: dict[str, float | None], b: dict[str, Any]) -> bool:
    if set(a) != set(b):
        return False
    for k, v in a.items():
        w = b[k]
        if v is None or w is None:
            if v is not w:
                return False
        elif float(v).hex() != float(w).hex():
            return False
    return True
