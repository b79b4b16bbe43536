"""The demo: a seeded population loaded through the real import paths (files and API), then rated.

Departments' batches are written as files (CSV, XLSX, JSON Lines, Parquet) and imported exactly as
`ecredit import` does; platforms' batches are POSTed to /api/v1/records with a bearer token through
Django's full request stack. History is backfilled: each batch carries the date it would have
arrived, so that point-in-time evaluations see what was known then.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone

from ecredit.accounts import actions as accounts
from ecredit.accounts.models import Organisation
from ecredit.accounts.principals import Actor
from ecredit.core.dictionary import load_dictionary
from ecredit.core.synth import generate
from ecredit.entities.models import Enterprise
from ecredit.ratings.actions import evaluate_all
from ecredit.records.imports import import_file
from ecredit.web.progress import bar

DEMO_PASSWORD = "ecredit-demo"  # noqa: S105 - a local demo's published password
DEMO_USERS = (
    ("admin", "ecredit", "admin", True),
    ("regulator", "market-regulation", "regulator", True),
)


# The scorecard is the champion (its points can be read and defended); the others challenge it.
DEMO_FAMILIES = ("scorecard", "logistic", "gradient_boosting", "random_forest", "mlp")


class DemoError(RuntimeError):
    """The demo cannot be loaded here; the message says why."""


def _organisations(actor: Actor) -> dict[str, Organisation]:
    d = load_dictionary()
    orgs: dict[str, Organisation] = {}
    if not Organisation.objects.filter(key="ecredit").exists():
        accounts.create_organisation(actor, kind="operator", name="ecredit 平台运营", key="ecredit")
    for p in d.providers.values():
        org = Organisation.objects.filter(key=p.key).first() or accounts.create_organisation(
            actor,
            kind="platform" if p.kind == "platform" else "department",
            name=p.name_zh,
            key=p.key,
            provider_key=p.key,
        )
        orgs[p.key] = org
    return orgs


def load_demo(
    *,
    enterprises: int = 5000,
    months: int = 24,
    seed: int = 42,
    if_empty: bool = False,
    echo: Callable[[str], None] = print,
) -> dict[str, object] | None:
    """Generate, load and evaluate the demo; returns a summary, or None when skipped."""
    if settings.CONFIG.is_production:
        raise DemoError("the demo is not loaded when ECREDIT_ENV=production")
    if if_empty and Enterprise.objects.exists():
        return None
    actor = Actor.system("demo")
    started = time.monotonic()
    today = timezone.localdate()
    echo(f"generating {enterprises:,} enterprises over {months} months (seed {seed}) …")
    pop = generate(enterprises=enterprises, months=months, seed=seed, end=today)
    out_dir = Path(settings.DATA_DIR) / "demo" / f"seed-{seed}"
    files = pop.write_files(out_dir)
    echo(
        f"  {sum(len(b.rows) for b in pop.batches):,} records in {len(pop.batches):,} batches, "
        f"{len(files):,} files under {out_dir}"
    )

    with transaction.atomic():
        orgs = _organisations(actor)
        operator = Organisation.objects.get(key="ecredit")
        _token, admin_token = accounts.create_token(actor, operator, "admin", "demo backfill")
        for username, org_key, role, staff in DEMO_USERS:
            from django.contrib.auth import get_user_model

            if not get_user_model().objects.filter(username=username).exists():
                accounts.create_user(
                    actor,
                    username=username,
                    password=DEMO_PASSWORD,
                    organisation=Organisation.objects.get(key=org_key),
                    role=role,
                    staff=staff,
                )

    batches = sorted(pop.batches, key=lambda b: (b.received_on, b.type_name != "registration"))
    file_of = {id(b): p for p, b in files}
    client = Client()
    totals = {"received": 0, "stored": 0, "duplicates": 0, "corrected": 0, "rejected": 0}
    with bar("loading demo", sum(len(b.rows) for b in batches)) as advance:
        for b in batches:
            if b.channel == "file":
                report = import_file(
                    actor,
                    file_of[id(b)],
                    type_name=b.type_name,
                    provider=b.provider,
                    received_on=min(b.received_on, today),
                ).to_json()
                _add(totals, report)
            else:
                received = timezone.make_aware(
                    datetime.combine(min(b.received_on, today), dtime(12))
                )
                received = min(received, timezone.now())
                for i in range(0, len(b.rows), 10_000):
                    chunk = b.rows[i : i + 10_000]
                    resp = client.post(
                        "/api/v1/records",
                        data=json.dumps(
                            {
                                "type": b.type_name,
                                "source": b.provider,
                                "records": chunk,
                                "received_at": received.isoformat(),
                            }
                        ),
                        content_type="application/json",
                        headers={"Authorization": f"Bearer {admin_token}"},
                    )
                    if resp.status_code != 200:
                        raise DemoError(
                            f"the API refused a demo batch: {resp.status_code} {resp.content[:300]!r}"
                        )
                    _add(totals, resp.json())
            advance(len(b.rows))
    echo("  loaded: " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))
    merchant = _merchant_account(actor)
    if merchant:
        echo(f"  demo merchant login 'merchant' is {merchant.display_name} ({merchant.subject_id})")
    _train_models(actor, today, echo)
    with bar("evaluating", Enterprise.objects.count()) as advance:
        run = evaluate_all(actor, today, progress=advance)
    by = run.model_version.version if run.model_version else run.system_version
    echo(
        f"  evaluated {run.evaluated:,} enterprises as of {run.as_of} with {by}: "
        + " ".join(f"{g}:{n}" for g, n in run.grade_counts.items())
    )
    from ecredit.lists.demo import load_lists_demo

    load_lists_demo(actor, today, merchant, echo)

    from ecredit.supervision.demo import run_demo_plan

    run_demo_plan(actor, today, seed=seed, echo=echo)
    _credit_checks(actor, orgs, echo)
    from ecredit.reports.demo import load_consent_demo

    load_consent_demo(today, echo)

    if merchant:
        from ecredit.credentials import actions as credentials

        cert = credentials.issue(actor, merchant, 90)
        echo(f"  credit certificate for the demo merchant: {cert.credential_id} ({cert.grade})")
    echo(f"demo ready in {time.monotonic() - started:.0f} s")
    return {"totals": totals, "run": run.pk}


def _train_models(actor: Actor, today: date, echo: Callable[[str], None]) -> None:
    """Train every model family on the demo's history: the scorecard becomes the champion, the
    others are its challengers. A history too short to train on (a tiny demo) is reported, and
    the indicator system grades instead."""
    from ecredit.core.scoring.policy import load_policy
    from ecredit.ratings import training

    target = load_policy().serious
    if target is None:
        return
    history = training.load_history(today)
    if history.first_received is None:
        return
    dates = training.observation_dates(history.first_received, today, target)
    try:
        with bar("building the training table", len(dates) + 1) as advance:
            table = training.build_training_set(today, target, progress=advance, history=history)
    except training.TrainingError as exc:
        echo(f"  no model trained: {exc}")
        return
    with bar("training models", len(DEMO_FAMILIES)) as advance:
        for family in DEMO_FAMILIES:
            entry = training.train_model(
                actor,
                family,
                today,
                promote=family == "scorecard",
                training_set=table,
            )
            advance(1)
            echo(
                f"  {entry.version} ({entry.status}): test AUC {entry.metrics['auc']:.3f}, "
                f"KS {entry.metrics['ks']:.3f}"
            )


def _credit_checks(
    actor: Actor, orgs: dict[str, Organisation], echo: Callable[[str], None]
) -> None:
    """A subsidy office and a bank check the best and the worst graded enterprises, and say what
    they did: the credit-check log has something to show."""
    from ecredit.measures import actions as measures
    from ecredit.ratings.models import Evaluation

    dept = orgs.get("development-reform") or next(
        (o for o in orgs.values() if o.kind == "department"), None
    )
    bank = Organisation.objects.filter(key="demo-bank").first() or accounts.create_organisation(
        actor, kind="bank", name="示例商业银行杭州分行", key="demo-bank"
    )
    if dept is None:
        return
    checkers = [
        (
            accounts.authenticate_token(accounts.create_token(actor, dept, "regulator")[1]),
            "subsidy",
        ),
        (accounts.authenticate_token(accounts.create_token(actor, bank, "reader")[1]), "financing"),
    ]
    latest = Evaluation.objects.filter(is_latest=True).select_related("enterprise")
    picks = list(latest.order_by("score", "pk")[:4]) + list(latest.order_by("-score", "pk")[:4])
    done = 0
    for checker, context in checkers:
        if checker is None:
            continue
        for ev in picks:
            check = measures.run_check(checker, ev.enterprise, context, "demo")
            applied = [m["id"] for m in check.measures if not m["withheld_by"]]
            penalties = any(m["kind"] == "penalty" for m in check.measures)
            outcome = "restricted" if penalties else ("rewarded" if applied else "granted")
            measures.give_feedback(checker, check, outcome, applied, "demo")
            done += 1
    echo(f"  credit checks: {done} run by a department and a bank, each with feedback")


def _merchant_account(actor: Actor) -> Enterprise | None:
    """Tie a demo login to one registered enterprise that has records the public cannot see."""
    from django.contrib.auth import get_user_model

    if get_user_model().objects.filter(username="merchant").exists():
        return None
    enterprise = (
        Enterprise.objects.filter(provisional=False, records__disclosure_level="shared")
        .order_by("pk")
        .first()
    )
    if enterprise is None:
        return None
    with transaction.atomic():
        org = accounts.create_organisation(
            actor,
            kind="enterprise",
            name=enterprise.display_name,
            key="demo-merchant",
            enterprise=enterprise,
        )
        accounts.create_user(
            actor, username="merchant", password=DEMO_PASSWORD, organisation=org, role="enterprise"
        )
    return enterprise


def _add(totals: dict[str, int], report: dict[str, object]) -> None:
    for k in totals:
        v = report.get(k, 0)
        totals[k] += v if isinstance(v, int) else 0
