"""Ingestion through the one action, from files: the 1,000-row case, duplicates, corrections."""

from __future__ import annotations

import pytest

from ecredit.entities.models import Enterprise, Identifier
from ecredit.records.actions import IngestError, PermissionDenied
from ecredit.records.imports import import_file
from ecredit.records.models import CreditRecord, Submission
from ecredit.records.tests.penalties import penalty_row, thousand_with_three_bad, write_penalties

pytestmark = pytest.mark.django_db


def test_thousand_rows_with_three_bad_store_997_and_name_the_three(tmp_path, admin_actor):
    # given a 1,000-row penalty file with three bad rows
    path, bad = thousand_with_three_bad(tmp_path / "penalties.csv")
    # when it is imported
    report = import_file(
        admin_actor, path, type_name="administrative_penalty", provider="market-regulation"
    )
    # then the 997 good rows are stored and the three bad ones are named by row and field
    assert (
        report.received,
        report.stored,
        report.duplicates,
        report.corrected,
        report.rejected,
    ) == (
        1000,
        997,
        0,
        0,
        3,
    )
    assert {(e.row, e.field) for e in report.errors} == set(bad.items())
    assert CreditRecord.objects.count() == 997
    messages = {e.row: e.message for e in report.errors}
    assert "check digit" in messages[10]
    assert "future" in messages[500]
    assert "fine" in messages[999]


def test_importing_the_same_file_again_stores_nothing(tmp_path, admin_actor):
    path, _ = thousand_with_three_bad(tmp_path / "penalties.csv")
    import_file(admin_actor, path, type_name="administrative_penalty", provider="market-regulation")
    again = import_file(
        admin_actor, path, type_name="administrative_penalty", provider="market-regulation"
    )
    assert (again.stored, again.duplicates, again.corrected, again.rejected) == (0, 997, 0, 3)
    assert CreditRecord.objects.count() == 997
    assert Submission.objects.count() == 2


def test_a_changed_record_is_a_correction_and_both_versions_are_kept(tmp_path, admin_actor):
    first = write_penalties(tmp_path / "a.csv", [penalty_row(1), penalty_row(2)])
    import_file(
        admin_actor, first, type_name="administrative_penalty", provider="market-regulation"
    )
    changed = write_penalties(
        tmp_path / "b.csv", [penalty_row(1, fine_amount_cny="9999.00"), penalty_row(2)]
    )
    report = import_file(
        admin_actor, changed, type_name="administrative_penalty", provider="market-regulation"
    )
    assert (report.stored, report.duplicates, report.corrected) == (0, 1, 1)
    versions = list(
        CreditRecord.objects.filter(natural_key__contains="〔2025〕1号").order_by("version")
    )
    assert [(v.version, v.is_current, v.values["fine_amount_cny"]) for v in versions] == [
        (1, False, "1001.50"),
        (2, True, "9999.00"),
    ]
    assert versions[1].supersedes_id == versions[0].pk


def test_the_same_key_twice_in_one_file_is_stored_then_corrected(tmp_path, admin_actor):
    path = write_penalties(
        tmp_path / "twice.csv",
        [
            penalty_row(7),
            penalty_row(7, violation="无照经营"),
            penalty_row(7, violation="无照经营"),
        ],
    )
    report = import_file(
        admin_actor, path, type_name="administrative_penalty", provider="market-regulation"
    )
    assert (report.stored, report.corrected, report.duplicates) == (1, 1, 1)
    assert CreditRecord.objects.filter(is_current=True).get().values["violation"] == "无照经营"


def test_an_unknown_valid_subject_becomes_a_provisional_enterprise(tmp_path, admin_actor):
    path = write_penalties(tmp_path / "p.csv", [penalty_row(3)])
    import_file(admin_actor, path, type_name="administrative_penalty", provider="market-regulation")
    e = Enterprise.objects.get()
    assert e.provisional is True
    assert e.entity_type == "company"
    assert list(Identifier.objects.values_list("value", flat=True)) == [
        penalty_row(3)["subject_id"]
    ]


def test_registration_completes_a_provisional_enterprise(tmp_path, admin_actor):
    from ecredit.core.ingest import write_rows

    path = write_penalties(tmp_path / "p.csv", [penalty_row(3)])
    import_file(admin_actor, path, type_name="administrative_penalty", provider="market-regulation")
    reg = {
        "subject_id": penalty_row(3)["subject_id"],
        "name": "杭州西湖好物电子商务有限公司",
        "entity_type": "company",
        "legal_representative": "王小明",
        "established_on": "2019-05-06",
        "status": "active",
        "region_code": "330106",
        "ecommerce_roles": "merchant;livestream_seller",
    }
    f = write_rows(tmp_path / "reg.csv", "csv", list(reg), [reg])
    report = import_file(admin_actor, f, type_name="registration", provider="market-regulation")
    assert report.rejected == 0, report.errors
    e = Enterprise.objects.get()
    assert (e.provisional, e.name, e.roles) == (
        False,
        "杭州西湖好物电子商务有限公司",
        ["merchant", "livestream_seller"],
    )


def test_a_provider_may_submit_only_its_listed_types(tmp_path, submitter_actor):
    path = write_penalties(tmp_path / "p.csv", [penalty_row(1)])
    with pytest.raises(PermissionDenied, match="not listed as a source"):
        import_file(submitter_actor, path, type_name="court_judgment", provider="market-regulation")
    with pytest.raises(PermissionDenied, match="may not submit records as provider 'court'"):
        import_file(submitter_actor, path, type_name="court_judgment", provider="court")
    assert CreditRecord.objects.count() == 0


def test_unknown_type_and_provider_are_refused_before_reading(tmp_path, admin_actor):
    path = tmp_path / "absent.csv"
    with pytest.raises(IngestError, match="unknown record type 'penalty'"):
        import_file(admin_actor, path, type_name="penalty", provider="market-regulation")
    with pytest.raises(IngestError, match="unknown provider 'amr'"):
        import_file(admin_actor, path, type_name="administrative_penalty", provider="amr")
    assert Submission.objects.count() == 0
