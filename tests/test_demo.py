"""The demo goes through the real import paths and ends evaluated."""

from __future__ import annotations

import pytest

from ecredit.demo import load_demo
from ecredit.entities.models import Enterprise
from ecredit.lists.models import ListEntry, RepairApplication
from ecredit.ratings.models import Evaluation
from ecredit.records.models import CreditRecord, Submission
from ecredit.supervision.models import InspectionPlan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_small_demo_loads_through_files_and_api_then_evaluates():
    out = load_demo(enterprises=60, months=6, seed=5, echo=lambda s: None)
    totals = out["totals"]
    assert totals["rejected"] == 0
    loaded = CreditRecord.objects.exclude(type_name="inspection_result")  # the plan's results
    # the demo's credit-repair application publishes its commitment as one more record
    repairs = RepairApplication.objects.count()
    assert totals["stored"] + totals["corrected"] + repairs == loaded.count()
    assert InspectionPlan.objects.get().status == "closed"
    assert ListEntry.objects.filter(state="published").exists()
    channels = set(Submission.objects.values_list("channel", flat=True))
    assert channels == {"api", "file"}
    assert (
        set(Submission.objects.filter(channel="file").values_list("filename", flat=True)) != set()
    )
    formats = {
        f.rsplit(".", 1)[-1]
        for f in Submission.objects.filter(channel="file").values_list("filename", flat=True)
    }
    assert formats == {"csv", "xlsx", "jsonl", "parquet"}
    assert Evaluation.objects.filter(is_latest=True).count() == Enterprise.objects.count()
    from ecredit.measures.models import CreditCheck

    checks = CreditCheck.objects.all()
    assert checks.count() == 16 and all(c.feedback.count() == 1 for c in checks)
    from ecredit.reports.models import Consent, ReportRead

    consent = Consent.objects.get()
    assert (consent.organisation.key, consent.report_type, consent.purpose) == (
        "demo-bank",
        "standard",
        "credit_line",
    )
    assert ReportRead.objects.filter(consent=consent).count() == 1
    # a second call with if_empty does nothing
    assert load_demo(enterprises=60, months=6, seed=5, if_empty=True, echo=lambda s: None) is None


def test_the_same_seed_gives_the_same_grades():
    load_demo(enterprises=40, months=4, seed=9, echo=lambda s: None)
    first = sorted(Evaluation.objects.values_list("enterprise__subject_id", "score", "grade"))
    from ecredit.credentials.models import Certificate

    Certificate.objects.all().delete()  # a certificate cites its evaluation (PROTECT)
    Evaluation.objects.all().delete()
    from django.utils import timezone

    from ecredit.accounts.principals import Actor
    from ecredit.ratings.actions import evaluate_all

    evaluate_all(Actor.system("test"), timezone.localdate())
    assert (
        sorted(Evaluation.objects.values_list("enterprise__subject_id", "score", "grade")) == first
    )


def test_the_demo_merchant_sees_its_own_shared_records(client):
    load_demo(enterprises=40, months=4, seed=9, echo=lambda s: None)
    from ecredit.accounts.models import Organisation

    enterprise = Organisation.objects.get(key="demo-merchant").enterprise
    anonymous = client.get(f"/enterprises/{enterprise.subject_id}/").content.decode()
    assert client.login(username="merchant", password="ecredit-demo")
    own = client.get(f"/enterprises/{enterprise.subject_id}/").content.decode()
    assert own.count('data-level="shared"') > 0
    assert anonymous.count('data-level="shared"') == 0
