"""The public verification page: genuine and unchanged, an uploaded copy, superseded reports,
in Chinese, English and Russian; and the ledger audit of report rows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecredit.ledger.audit import run_audit
from ecredit.reports import actions
from ecredit.reports.models import IssuedReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(world, admin_actor):  # type: ignore[no-untyped-def]
    first = actions.issue_report(admin_actor, world["a"], report_type="basic", lang="en")
    second = actions.issue_report(admin_actor, world["a"], report_type="basic", lang="en")
    return first, second


@pytest.mark.parametrize("lang", ["zh-hans", "en", "ru"])
def test_the_page_says_genuine_and_superseded_in_each_language(two, lang):
    first, second = two
    c = Client()
    prefix = "" if lang == "zh-hans" else f"/{lang}"  # pages carry their language in the URL
    page = c.get(f"{prefix}/verify/{first.number}/").content.decode()
    assert f'<html lang="{lang}"' in page
    assert 'data-verdict="genuine"' in page
    assert 'data-testid="superseded"' in page and second.number in page
    page = c.get(f"{prefix}/verify/{second.number}/").content.decode()
    assert 'data-testid="current"' in page


def test_an_unknown_number_is_404(world):
    r = Client().get("/verify/CR0000/")
    assert r.status_code == 404 and b'data-verdict="unknown"' in r.content


def test_an_uploaded_copy_is_compared_with_the_issued_pdf(two):
    first, _ = two
    pdf = actions.pdf_of(first)
    c = Client()
    r = c.post(f"/verify/{first.number}/", {"pdf": SimpleUploadedFile("r.pdf", pdf)})
    assert b'data-result="same"' in r.content
    r = c.post(
        f"/verify/{first.number}/", {"pdf": SimpleUploadedFile("r.pdf", pdf[:-200] + b" " * 200)}
    )
    assert b'data-result="different"' in r.content or b'data-result="content"' in r.content
    r = c.post(f"/verify/{first.number}/", {"pdf": SimpleUploadedFile("r.pdf", b"not a pdf")})
    assert b'data-result="different"' in r.content


def test_an_edited_report_row_is_not_genuine_and_fails_the_audit(two):
    first, _ = two
    content = dict(first.content)
    content["subject"] = {**content["subject"], "name": "别的公司"}
    IssuedReport.objects.filter(pk=first.pk).update(content=content)
    page = Client().get(f"/verify/{first.number}/").content
    assert b'data-verdict="altered"' in page
    report = run_audit()
    assert [(p.kind, p.id) for p in report.problems] == [("report", first.pk)]


def test_archive_reports_are_not_public(world, admin_actor):
    r = actions.issue_report(
        admin_actor, world["a"], report_type="basic", audience="archive", render=False
    )
    assert Client().get(f"/reports/{r.number}.pdf").status_code == 404
    assert Client().get(f"/verify/{r.number}/").status_code == 200


def test_anyone_gets_todays_public_report_once_a_day(world):
    c = Client()
    url = f"/reports/public/{world['a'].subject_id}/"
    first = c.get(url, {"type": "basic", "lang": "en"})
    assert first.status_code == 302 and first["Location"].endswith(".pdf")
    assert c.get(url, {"type": "basic", "lang": "en"})["Location"] == first["Location"]
    assert IssuedReport.objects.get().audience == "public"
    pdf = c.get(first["Location"])
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert c.get(url, {"type": "secret"}).status_code == 400
    assert c.get("/reports/public/nobody/").status_code == 404
