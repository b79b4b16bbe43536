"""Re-evaluating some enterprises only (`evaluate_all(..., only=[ids])`): their features, related
parties included, are those of a full run; the others keep their latest evaluation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ecredit.entities.models import Enterprise
from ecredit.ratings.actions import evaluate_all
from ecredit.ratings.models import Evaluation
from ecredit.records.actions import ingest_batch
from ecredit.records.tests.penalties import penalty_row

pytestmark = pytest.mark.django_db


def _registration(i: int, representative: str) -> dict[str, str]:
    return {
        "subject_id": penalty_row(i)["subject_id"],
        "name": f"测试电子商务有限公司{i}",
        "entity_type": "company",
        "legal_representative": representative,
        "established_on": "2018-03-04",
        "status": "active",
    }


@pytest.fixture
def related(admin_actor):
    # 1 and 2 share a legal representative; 2 is on the serious-dishonesty list; 3 stands alone
    rows = [_registration(1, "张三"), _registration(2, "张三"), _registration(3, "李四")]
    ingest_batch(admin_actor, type_name="registration", provider="market-regulation", records=rows)
    listing = {
        "subject_id": rows[1]["subject_id"],
        "decision_no": "杭市监严重〔2026〕9号",
        "listed_on": "2026-03-01",
        "authority": "杭州市市场监督管理局",
        "reason": "虚假材料",
    }
    ingest_batch(
        admin_actor,
        type_name="serious_dishonesty_listing",
        provider="market-regulation",
        records=[listing],
    )
    return [Enterprise.objects.get(identifiers__value=r["subject_id"]) for r in rows]


def test_a_scoped_run_sees_related_parties_outside_its_scope(admin_actor, related):
    one, _two, three = related
    today = timezone.localdate()
    full = evaluate_all(admin_actor, today)
    full_features = Evaluation.objects.get(run=full, enterprise=one).features
    scoped = evaluate_all(admin_actor, today, only=[one.pk])
    assert scoped.evaluated == 1
    mine = Evaluation.objects.get(run=scoped, enterprise=one)
    assert mine.features == full_features
    assert full_features["related_serious_dishonesty"] == 1
    assert mine.is_latest
    assert Evaluation.objects.get(enterprise=three, is_latest=True).run_id == full.pk
    assert Evaluation.objects.filter(is_latest=True).count() == 3


def test_a_scoped_evaluation_reproduces(admin_actor, related):
    from ecredit.ratings.actions import reproduce

    one = related[0]
    scoped = evaluate_all(admin_actor, timezone.localdate(), only=[one.pk])
    result = reproduce(Evaluation.objects.get(run=scoped, enterprise=one))
    assert [(c["what"], c["same"]) for c in result["checks"]] == [
        ("features", True),
        ("indicator system", True),
        ("score", True),
    ]
