"""Train models on the platform's own history, validate them out of time, keep them in the registry.

History is every record version the platform had received by the training date. For each
monthly observation date t (after a warm-up, leaving a full target horizon before the training
date) every enterprise known at t gets a row: the features from the versions known at t (the same
rule as `records_known_on`), and the label "a serious event in (t, t + horizon]" from what is known
now. Enterprises that already had a serious event by t are left out.

The split is by time: the latest observation dates are the test set, the earlier ones train the
model. Label windows of the last training dates overlap the first test dates (12 months of
horizon on 24 months of demo history leave no room for an embargo); the report says which dates
each side used. The published score's normal map is fitted on the whole population as of the
training date and frozen with the model.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.scoring import (
    FEATURES,
    RecordView,
    RelatedParty,
    compute_features,
    load_indicator_system,
)
from ecredit.core.scoring.calibration import NormalScoreMap, normality
from ecredit.core.scoring.explain import good_reference
from ecredit.core.scoring.models.artefact import data_hash, dump_model, read_model, sha256
from ecredit.core.scoring.models.base import ModelFamily
from ecredit.core.scoring.models.report import validation_report, write_plots
from ecredit.core.scoring.policy import GradePolicy, load_policy
from ecredit.core.scoring.targets import Target, load_target
from ecredit.core.scoring.training import month_end
from ecredit.entities.models import Enterprise
from ecredit.ratings.models import ModelVersion

# `related_low_grade` counts linked enterprises with a low grade: a model reading it would feed on
# its own earlier output, and history has no grades before the first evaluation. Left out.
MODEL_FEATURES: tuple[str, ...] = tuple(f.key for f in FEATURES if f.key != "related_low_grade")
WARM_UP_MONTHS = 6
# Defaults per family on platform history, where about 2% of rows have a serious event: the
# scorecard's bins may be as small as 1% of rows (its 5% default, chosen on German credit with a
# 30% bad rate, merges rare but telling values such as an open enforcement into their neighbours;
# measured on the demo: out-of-time AUC 0.843 -> 0.858, and bad rate by grade strictly monotone).
PLATFORM_PARAMS: dict[str, dict[str, Any]] = {
    "scorecard": {"min_bin_size": 0.01, "min_prebin_size": 0.01},
}
MIN_BAD = 10

Key = tuple[str, str, str]


class TrainingError(ValueError):
    """Training cannot run on this history; the message says why and what to do."""


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


@dataclass
class History:
    """Every record version received by the training date, per enterprise pk."""

    items: dict[int, list[tuple[Key, int, RecordView, date | None]]]
    first_received: date | None
    as_of: date


def load_history(as_of: date) -> History:
    """Every record version received by `as_of`. A version withdrawn because an objection found
    it wrong never happened and is left out; one withdrawn by credit repair did happen, so it
    stays a label's event but leaves the features from the day the repair took effect (as it
    leaves the app's evaluations, `records_known_on`)."""
    from ecredit.ratings.actions import record_rows
    from ecredit.records.models import Withdrawal

    tz = timezone.get_current_timezone()
    wrong: set[int] = set()
    repaired: dict[int, date] = {}
    for pk, effective, basis in Withdrawal.objects.filter(effective_on__lte=as_of).values_list(
        "record_id", "effective_on", "basis"
    ):
        if basis == Withdrawal.Basis.OBJECTION:
            wrong.add(pk)
        else:
            repaired[pk] = effective
    items: dict[int, list[tuple[Key, int, RecordView, date | None]]] = defaultdict(list)
    first: date | None = None
    rows = record_rows(as_of, order_by=("pk",))
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
        received_on = received.astimezone(tz).date()
        first = received_on if first is None or received_on < first else first
        if pk in wrong:
            continue
        view = RecordView(
            type=type_name,
            occurred_on=occurred,
            received_on=received_on,
            values=values,
            public=level == "public",
        )
        items[ent].append(((type_name, provider, key), version, view, repaired.get(pk)))
    return History(dict(items), first, as_of)


def views_at(
    items: Sequence[tuple[Key, int, RecordView, date | None]], t: date, *, events: bool = False
) -> list[RecordView]:
    """The latest version of each record known at the end of `t` (as `records_known_on`); a
    latest version repaired by `t` is left out, unless `events` (what happened, for labels)."""
    latest: dict[Key, tuple[int, RecordView, date | None]] = {}
    for key, version, view, repaired_on in items:
        if view.received_on > t or view.occurred_on > t:
            continue
        seen = latest.get(key)
        if seen is None or version > seen[0]:
            latest[key] = (version, view, repaired_on)
    return [
        v
        for _, v, repaired_on in latest.values()
        if events or repaired_on is None or repaired_on > t
    ]


def features_at(
    history: History,
    t: date,
    links: dict[int, list[tuple[str, int]]],
    subject: dict[int, str],
) -> tuple[dict[int, dict[str, float | None]], dict[int, list[RecordView]]]:
    """Features of every enterprise with a record known at `t`; related parties through the
    enterprises' shared fields, flagged by their own serious-dishonesty listings at `t`."""
    views = {pk: views_at(items, t) for pk, items in history.items.items()}
    views = {pk: v for pk, v in views.items() if v}
    feats = {pk: compute_features(v, t) for pk, v in views.items()}
    for pk in feats:
        related = [
            RelatedParty(
                relation=rel,
                subject_id=subject[other],
                serious_dishonesty=bool(
                    feats.get(other, {}).get("serious_dishonesty_current") or 0
                ),
                grade=None,
            )
            for rel, other in links.get(pk, ())
        ]
        if related:
            feats[pk] = compute_features(views[pk], t, related)
    return feats, views


def frame(
    rows: Sequence[dict[str, float | None]], columns: Sequence[str] = MODEL_FEATURES
) -> pd.DataFrame:
    """Features as a float64 frame in model column order; None is NaN."""
    data = {
        c: np.array(
            [np.nan if (v := r.get(c)) is None else float(v) for r in rows], dtype=np.float64
        )
        for c in columns
    }
    return pd.DataFrame(data, columns=list(columns))


@dataclass
class TrainingSet:
    X: pd.DataFrame
    y: np.ndarray
    dates: list[date]
    keys: list[str]
    train_dates: list[date]
    test_dates: list[date]
    reference: pd.DataFrame  # the whole population as of the training date
    reference_keys: list[str]

    @property
    def train_mask(self) -> np.ndarray:
        wanted = set(self.train_dates)
        return np.array([d in wanted for d in self.dates])

    @property
    def test_mask(self) -> np.ndarray:
        wanted = set(self.test_dates)
        return np.array([d in wanted for d in self.dates])


def observation_dates(first_received: date, as_of: date, target: Target) -> list[date]:
    """Month-ends from the warm-up on whose whole horizon has passed by `as_of`."""
    y, m = first_received.year, first_received.month + WARM_UP_MONTHS
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    out: list[date] = []
    while True:
        d = month_end(y, m)
        if target.window_end(d) > as_of:
            return out
        out.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def build_training_set(
    as_of: date,
    target: Target,
    *,
    test_share: float = 0.3,
    progress: Callable[[int], None] | None = None,
    history: History | None = None,
) -> TrainingSet:
    from ecredit.ratings.actions import _related

    history = history or load_history(as_of)
    if history.first_received is None:
        raise TrainingError(
            f"no records were received by {as_of}; load data first (`ecredit import` or "
            "`ecredit demo`)"
        )
    dates = observation_dates(history.first_received, as_of, target)
    need = WARM_UP_MONTHS + target.horizon_months + 2
    if len(dates) < 2:
        raise TrainingError(
            f"the history runs from {history.first_received} to {as_of}: training needs at least "
            f"{need} months ({WARM_UP_MONTHS} months of warm-up, the {target.horizon_months}-month "
            "target horizon, and two observation months); pass a later --as-of or load more history"
        )
    enterprises = list(Enterprise.objects.order_by("pk"))
    subject = {e.pk: e.subject_id for e in enterprises}
    links = _related(enterprises)
    # Labels come from everything known at the training date.
    now_views = {pk: views_at(items, as_of, events=True) for pk, items in history.items.items()}
    rows: list[dict[str, float | None]] = []
    labels: list[int] = []
    row_dates: list[date] = []
    keys: list[str] = []
    for t in dates:
        feats, views = features_at(history, t, links, subject)
        for pk in sorted(feats):
            if target.had_event_before(views[pk], t):
                continue
            rows.append(feats[pk])
            labels.append(target.label(now_views[pk], t))
            row_dates.append(t)
            keys.append(subject[pk])
        if progress is not None:
            progress(1)
    ref_feats, _ = features_at(history, as_of, links, subject)
    if progress is not None:
        progress(1)
    n_test = max(1, min(len(dates) - 1, math.ceil(len(dates) * test_share)))
    y = np.asarray(labels, dtype=np.int64)
    ts = TrainingSet(
        X=frame(rows),
        y=y,
        dates=row_dates,
        keys=keys,
        train_dates=dates[:-n_test],
        test_dates=dates[-n_test:],
        reference=frame([ref_feats[pk] for pk in sorted(ref_feats)]),
        reference_keys=[subject[pk] for pk in sorted(ref_feats)],
    )
    for name, mask in (("training", ts.train_mask), ("test", ts.test_mask)):
        bad = int(y[mask].sum())
        if bad < MIN_BAD or bad == int(mask.sum()):
            raise TrainingError(
                f"the {name} period has {int(mask.sum())} rows of which {bad} had a serious event; "
                f"a model needs at least {MIN_BAD} of each outcome there. Load more history or "
                "choose an earlier --as-of"
            )
    return ts


@dataclass(frozen=True)
class LoadedModel:
    """A registry entry with its verified artefact, ready to score."""

    entry: ModelVersion
    model: ModelFamily
    score_map: NormalScoreMap

    @property
    def features(self) -> list[str]:
        return list(self.entry.features)

    @property
    def reference(self) -> dict[str, float]:
        return {str(k): float(v) for k, v in self.entry.reference.items()}

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(X[self.features])


def load(entry: ModelVersion) -> LoadedModel:
    model = read_model(models_dir() / entry.artefact, entry.artefact_sha256)
    return LoadedModel(entry, model, NormalScoreMap.from_json(entry.score_map))


def champion(system_version: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(
        system_version=system_version, status=ModelVersion.CHAMPION
    ).first()


def challengers(system_version: str) -> list[ModelVersion]:
    return list(
        ModelVersion.objects.filter(
            system_version=system_version, status=ModelVersion.CHALLENGER
        ).order_by("-created_at", "-id")
    )


def _write_atomic(path: Path, blob: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def train_model(
    actor: Actor,
    family: str,
    as_of: date,
    *,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    promote: bool | None = None,
    test_share: float = 0.3,
    progress: Callable[[int], None] | None = None,
    training_set: TrainingSet | None = None,
) -> ModelVersion:
    """Train `family` on history known at `as_of`, validate it on the latest observation dates,
    store the artefact and its report, and register it.

    `promote`: True makes it the champion, False keeps it a challenger, None makes it the
    champion only when its indicator system has none yet.
    """
    if as_of > timezone.localdate():
        raise TrainingError(
            f"as-of date {as_of} is in the future; training uses only what is known"
        )
    system = load_indicator_system()
    policy: GradePolicy = load_policy()
    target = policy.serious or load_target()
    model = make_model(family, seed, params)
    ts = training_set or build_training_set(as_of, target, test_share=test_share, progress=progress)
    train, test = ts.train_mask, ts.test_mask
    # A feature with fewer than two distinct values in the training rows carries nothing to learn.
    used = [c for c in MODEL_FEATURES if ts.X.loc[train, c].nunique(dropna=True) >= 2]
    X_train = ts.X.loc[train, used].reset_index(drop=True)
    model.fit(X_train, ts.y[train])
    p_train = model.predict_proba(X_train)
    p_test = model.predict_proba(ts.X.loc[test, used])
    p_ref = model.predict_proba(ts.reference[used])
    score_map = NormalScoreMap.fit(p_ref)
    s_train, s_test, s_ref = (score_map.score_array(p) for p in (p_train, p_test, p_ref))
    span = (
        f"{ts.train_dates[0]}..{ts.train_dates[-1]}",
        f"{ts.test_dates[0]}..{ts.test_dates[-1]}",
    )
    metrics = validation_report(
        ts.y[test], p_test, s_test, policy.bands, reference_scores=s_train, periods=span
    )
    metrics["train_auc"] = validation_report(ts.y[train], p_train, s_train, policy.bands)["auc"]
    metrics["reference_normality"] = normality(s_ref).to_json()
    metrics["reference_n"] = len(s_ref)
    # The reference population's score distribution, as 1,000 quantiles: what later periods'
    # scores are compared with (PSI) without keeping every reference score.
    metrics["reference_score_quantiles"] = [
        round(float(q), 4) for q in np.quantile(s_ref, (np.arange(1000) + 0.5) / 1000)
    ]
    blob = dump_model(model)
    digest = sha256(blob)
    version = f"{family}-{as_of:%Y%m%d}-{digest[:10]}"
    artefact = f"{version}.pkl"
    _write_atomic(models_dir() / artefact, blob)
    plots = write_plots(
        models_dir() / version,
        ts.y[test],
        p_test,
        s_test,
        policy.bands,
        reference_scores=s_ref,
        title=version,
    )
    split = {
        "train_dates": [d.isoformat() for d in ts.train_dates],
        "test_dates": [d.isoformat() for d in ts.test_dates],
        "train_rows": int(train.sum()),
        "train_bad": int(ts.y[train].sum()),
        "test_rows": int(test.sum()),
        "test_bad": int(ts.y[test].sum()),
    }
    with transaction.atomic():
        existing = ModelVersion.objects.filter(version=version).first()
        if existing is not None:  # the same data and seed gave the same artefact
            return existing
        entry = ModelVersion.objects.create(
            version=version,
            family=family,
            system_version=system.version,
            target=target.version,
            policy_version=policy.version,
            as_of=as_of,
            features=used,
            params=model.params(),
            seed=seed,
            artefact=artefact,
            artefact_sha256=digest,
            training_data_sha256=data_hash(ts.X, ts.y, ts.dates, ts.keys),
            split=split,
            metrics=_jsonable(metrics),
            score_map=score_map.to_json(),
            reference=good_reference(X_train, ts.y[train]),
            plots=plots,
            created_by=actor.label,
        )
        audit.record(
            actor,
            "ratings.model_train",
            "model_version",
            entry.pk,
            version=version,
            family=family,
            as_of=as_of.isoformat(),
            auc=round(metrics["auc"], 4),
        )
        if promote or (promote is None and champion(system.version) is None):
            promote_model(actor, entry)
    return entry


def promote_model(actor: Actor, entry: ModelVersion) -> ModelVersion:
    """Make `entry` the champion of its indicator system; the previous champion becomes a
    challenger."""
    with transaction.atomic():
        ModelVersion.objects.filter(
            system_version=entry.system_version, status=ModelVersion.CHAMPION
        ).exclude(pk=entry.pk).update(status=ModelVersion.CHALLENGER)
        entry.status = ModelVersion.CHAMPION
        entry.promoted_at = timezone.now()
        entry.save(update_fields=["status", "promoted_at"])
        audit.record(
            actor, "ratings.model_promote", "model_version", entry.pk, version=entry.version
        )
    return entry


def make_model(family: str, seed: int = 0, params: dict[str, Any] | None = None) -> ModelFamily:
    """An unfitted model of `family` with the platform's defaults and `params` over them; a bad
    family or parameter is a `TrainingError` that says which."""
    try:
        return _with_params(family, seed, {**PLATFORM_PARAMS.get(family, {}), **(params or {})})
    except TypeError as exc:  # an unknown keyword, or a value of the wrong kind
        raise TrainingError(
            f"{family}: bad parameters ({exc}); the parameters are those of the family's "
            "constructor, see core/scoring/models/CONTRACT.md"
        ) from None
    except ValueError as exc:
        raise TrainingError(str(exc)) from None


def _with_params(family: str, seed: int, params: dict[str, Any]) -> ModelFamily:
    from ecredit.core.scoring.models import FAMILIES

    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose from {', '.join(FAMILIES)}")
    return FAMILIES[family](seed=seed, **{k: v for k, v in params.items() if k != "seed"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def validate_on_history(
    version: str | None, as_of: date, *, output: str | Path | None = None
) -> dict[str, Any]:
    """Score a registered model (default: the champion) on the latest observation months whose
    outcome is known at `as_of`, and compare today's population with its reference (PSI)."""
    if version:
        entry = ModelVersion.objects.filter(version=version).first()
        if entry is None:
            raise TrainingError(f"no model {version!r} in the registry; see `ecredit model list`")
    else:
        entry = champion(load_indicator_system().version)
        if entry is None:
            raise TrainingError(
                "there is no champion model yet; train one with "
                "`ecredit model train --family scorecard`, or pass --version"
            )
    loaded = load(entry)
    policy = load_policy()
    target = policy.serious or load_target()
    ts = build_training_set(as_of, target)
    test = ts.test_mask
    p_test = loaded.predict(ts.X[test])
    s_test = loaded.score_map.score_array(p_test)
    s_now = loaded.score_map.score_array(loaded.predict(ts.reference))
    reference = np.asarray(entry.metrics.get("reference_score_quantiles") or [], dtype=np.float64)
    metrics = validation_report(ts.y[test], p_test, s_test, policy.bands)
    if len(reference):
        from ecredit.core.scoring.models.metrics import psi

        metrics["psi"] = {
            "from": f"reference {entry.as_of}",
            "to": f"population {as_of}",
            "value": psi(reference, s_now),
        }
    metrics["population_normality"] = normality(s_now).to_json() if len(s_now) >= 8 else None
    report = {
        "version": entry.version,
        "family": entry.family,
        "as_of": as_of.isoformat(),
        "test_dates": [d.isoformat() for d in ts.test_dates],
        "metrics": _jsonable(metrics),
    }
    if output is not None:
        import json

        out = Path(output)
        report["plots"] = write_plots(
            out,
            ts.y[test],
            p_test,
            s_test,
            policy.bands,
            reference_scores=reference if len(reference) else None,
            title=entry.version,
        )
        (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return report
