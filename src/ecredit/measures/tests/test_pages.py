"""The catalogue page in three languages and the credit-check form for a signed-in department."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.measures.models import CreditCheck
from ecredit.measures.tests.test_credit_check import world  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lang", "text", "basis"),
    [
        ("zh-hans", "财政补贴与专项资金", "国发〔2016〕33号"),
        ("en", "Subsidies and special funds", "Guo Fa [2016] No. 33"),
        ("ru", "Субсидии и целевые фонды", "Guo Fa [2016] No. 33"),
    ],
)
def test_the_catalogue_page_speaks_each_language(lang, text, basis):
    c = Client()
    r = c.get(("" if lang == "zh-hans" else f"/{lang}") + "/measures/")
    assert r.status_code == 200
    body = r.content.decode()
    assert text in body and "P01" in body and basis in body


def test_a_department_user_runs_a_check_and_it_is_logged(world, market_regulation):  # noqa: F811
    from ecredit.accounts.models import Membership

    user = get_user_model().objects.create_user("li", password="a-long-test-password-1")
    Membership.objects.create(user=user, organisation=market_regulation, role="regulator")
    c = Client()
    anonymous = c.get("/measures/check/", {"subject_id": world["listed"], "context": "subsidy"})
    assert "Sign in" in anonymous.content.decode() or "登录" in anonymous.content.decode()
    assert CreditCheck.objects.count() == 0
    c.force_login(user)
    r = c.get("/en/measures/check/", {"subject_id": world["listed"], "context": "subsidy"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "Restricted" in body and "P01" in body and "ledger/bundle?index=" in body
    assert CreditCheck.objects.get().checked_by
    assert (
        c.get(
            "/measures/check/", {"subject_id": "91330106MA0000000X", "context": "subsidy"}
        ).status_code
        == 404
    )
    assert (
        c.get(
            "/measures/check/", {"subject_id": world["listed"], "context": "<script>"}
        ).status_code
        == 400
    )
