"""Test data for inspection plans: rated enterprises, inspectors, a regulator's token."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ecredit.accounts.actions import create_organisation, create_token
from ecredit.accounts.principals import Actor
from ecredit.core.identifiers import make_uscc
from ecredit.entities.models import Enterprise, Identifier
from ecredit.ratings.models import Evaluation, EvaluationRun
from ecredit.supervision import actions

POOL = ["insp-a", "insp-b", "insp-c", "insp-d"]


def key(i: int, region: str = "330106") -> str:
    return make_uscc("9", "1", region, f"{i:08d}")


def rate(n: int, region: str = "330106", start: int = 0) -> list[str]:
    """`n` enterprises of `region` with a latest evaluation of class A, B, C, D in turn."""
    run = EvaluationRun.objects.create(
        as_of=timezone.localdate(), system_version="test", dictionary_version="test", started_by="t"
    )
    keys = []
    for i in range(start, start + n):
        sid = key(i, region)
        e = Enterprise.objects.create(subject_id=sid, name=f"测试企业{i}", region_code=region)
        Identifier.objects.create(enterprise=e, scheme="uscc", value=sid)
        Evaluation.objects.create(
            run=run,
            enterprise=e,
            as_of=run.as_of,
            score=600,
            grade="BBB",
            risk_class="ABCD"[i % 4],
            dimension_scores={},
            contributions={},
            features={},
            system_version="test",
        )
        keys.append(sid)
    return keys


@pytest.fixture
def actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def pool(db: None, actor: Actor) -> list[str]:
    for code in POOL:
        actions.add_inspector(actor, code=code, name=f"检查员 {code}")
    return POOL


@pytest.fixture
def regulator_token(db: None, actor: Actor) -> str:
    org = create_organisation(
        actor, kind="department", name="杭州市市场监督管理局", key="hz-amr-reg",
        provider_key="market-regulation",
    )  # fmt: skip
    return create_token(actor, org, "regulator")[1]


@pytest.fixture
def submitter_token(db: None, actor: Actor) -> str:
    org = create_organisation(
        actor, kind="department", name="某局", key="sub", provider_key="market-regulation"
    )
    return create_token(actor, org, "submitter")[1]


def due() -> date:
    return timezone.localdate() + timedelta(days=30)


def results_for(plan: Any, result: str = "no_issue") -> list[dict[str, Any]]:
    today = timezone.localdate().isoformat()
    return [
        {"subject_id": k, "result": result, "inspected_on": today, "findings": "已责令改正"}
        for k in plan.selected
    ]
