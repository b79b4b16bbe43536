"""The unified data dictionary: its files, row validation, publicity, obligations, JSON Schema."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.core.dictionary import (
    CATEGORIES,
    DEFAULT_PATH,
    DISCLOSURE_LEVELS,
    FIELD_TYPES,
    Dictionary,
    DictionaryError,
    FieldError,
    Obligation,
    RecordType,
    ValidatedRow,
    export_json_schemas,
    load_dictionary,
)
from ecredit.core.dictionary.obligations import CHINA_TIME

TODAY = date(2026, 5, 1)
USCC = "91110000600037341L"
D = load_dictionary()


def check(type_name: str, row: dict[str, object], today: date = TODAY) -> ValidatedRow:
    return D.record_type(type_name).validate(row, today=today)


def errors(type_name: str, row: dict[str, object], today: date = TODAY) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in check(type_name, row, today).errors]


# One valid row of every type, as a CSV reader would hand it over (all text).
GOOD: dict[str, dict[str, object]] = {
    "registration": {
        "subject_id": USCC,
        "name": "杭州西湖电子商务有限公司",
        "name_en": "Hangzhou West Lake E-commerce Co., Ltd.",
        "entity_type": "company",
        "legal_representative": "张伟",
        "registered_capital_cny": "5000000",
        "established_on": "2018-06-12",
        "region_code": "330106",
        "address": "浙江省杭州市西湖区文三路90号",
        "phone": "0571-88888888",
        "business_scope": "网上销售日用百货；\n技术服务。",
        "status": "active",
        "ecommerce_roles": "merchant;livestream_seller",
    },
    "administrative_license": {
        "subject_id": USCC,
        "license_no": "JY13301060012345",
        "license_name": "食品经营许可证",
        "authority": "杭州市西湖区市场监督管理局",
        "issued_on": "2023-03-01",
        "valid_until": "2028-02-29",
        "status": "valid",
    },
    "administrative_penalty": {
        "subject_id": USCC,
        "decision_no": "杭市监处罚〔2025〕12号",
        "decision_date": "2025-03-18",
        "authority": "杭州市市场监督管理局",
        "violation": "虚假宣传：商品详情页宣称“全网最低价”无事实依据。",
        "penalty_type": "fine",
        "fine_amount_cny": "20000",
        "severity": "general",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
    },
    "abnormal_operation": {
        "subject_id": USCC,
        "decision_no": "杭西市监异〔2024〕88号",
        "listed_on": "2024-07-01",
        "authority": "杭州市西湖区市场监督管理局",
        "reason": "no_annual_report",
        "removed_on": "2024-10-15",
        "removal_reason": "已补报年度报告",
    },
    "serious_dishonesty_listing": {
        "subject_id": USCC,
        "decision_no": "浙市监严〔2025〕3号",
        "listed_on": "2025-09-01",
        "authority": "浙江省市场监督管理局",
        "reason": "因同一性质违法行为一年内受到三次以上较重行政处罚。",
    },
    "court_judgment": {
        "subject_id": USCC,
        "case_no": "（2025）浙0106民初1234号",
        "court": "杭州市西湖区人民法院",
        "judgment_date": "2025-11-20",
        "cause": "网络购物合同纠纷",
        "role": "defendant",
        "amount_cny": "3999.00",
        "outcome": "lost",
    },
    "enforcement_record": {
        "subject_id": USCC,
        "case_no": "（2025）浙0106执567号",
        "court": "杭州市西湖区人民法院",
        "filed_on": "2025-12-01",
        "amount_cny": "3999",
        "dishonest": "否",
        "status": "open",
    },
    "tax_credit_rating": {
        "subject_id": USCC,
        "year": "2025",
        "rating": "B",
        "authority": "国家税务总局杭州市西湖区税务局",
    },
    "customs_credit_rating": {
        "subject_id": USCC,
        "rating": "general",
        "rated_on": "2025-06-30",
        "authority": "杭州海关",
        "customs_code": "3301960ABC",
    },
    "customs_declaration_summary": {
        "subject_id": USCC,
        "month": "2026-03",
        "declarations": "1520",
        "export_value_usd": "48210.55",
        "import_value_usd": "0",
        "inspected": "31",
        "irregularities": "1",
        "returned_parcels": "4",
    },
    "store_metrics": {
        "subject_id": "store:xishi:100234",
        "month": "2026-04",
        "operator_id": USCC,
        "store_name": "西湖好物旗舰店",
        "orders": "12850",
        "gmv_cny": "1038766.4",
        "refund_rate": "0.043",
        "late_shipment_rate": "0.012",
        "cancellation_rate": "0.004",
        "valid_tracking_rate": "0.998",
        "order_defect_rate": "0.006",
        "rating_description": "4.8",
        "rating_service": "4.85",
        "rating_logistics": "4.7",
        "complaints": "7",
    },
    "consumer_complaint": {
        "subject_id": USCC,
        "complaint_no": "1233010620250001",
        "received_on": "2026-02-03",
        "channel": "12315",
        "category": "refund",
        "amount_cny": "299",
        "cross_border": "no",
        "status": "resolved",
        "resolved_on": "2026-02-10",
        "summary": "七天无理由退货被拒。",
    },
    "product_quality_inspection": {
        "subject_id": USCC,
        "report_no": "ZJ2025-CC-0456",
        "inspected_on": "2025-08-12",
        "authority": "浙江省市场监督管理局",
        "product": "儿童保温杯 350ml",
        "result": "fail",
        "defect": "铅迁移量超标",
    },
    "honor_or_reward": {
        "subject_id": USCC,
        "award_no": "浙发改信用〔2025〕7号",
        "awarded_on": "2025-05-20",
        "authority": "浙江省发展和改革委员会",
        "title": "守信激励红名单",
        "kind": "red_list",
        "level": "provincial",
        "valid_until": "2027-05-19",
    },
    "credit_commitment": {
        "subject_id": USCC,
        "commitment_no": "CN-2026-000123",
        "made_on": "2026-01-05",
        "to_authority": "杭州市市场监督管理局",
        "kind": "repair",
        "content": "本单位承诺已纠正失信行为，今后依法诚信经营。",
        "fulfilled": "true",
    },
    "inspection_result": {
        "subject_id": USCC,
        "plan_id": "IP000001",
        "inspected_on": "2026-03-02",
        "authority": "杭州市市场监督管理局",
        "result": "corrected",
        "findings": "未按规定公示营业执照信息，已责令改正。",
        "inspectors": "insp-03;insp-07",
    },
}


# ---------------------------------------------------------------------------------------------
# Loading


def test_the_default_dictionary_is_loaded_once_and_names_its_version() -> None:
    assert load_dictionary() is D
    assert re.fullmatch(r"2026\.1\+sha256:[0-9a-f]{12}", D.version)
    assert D.declared_version == "2026.1"
    assert D.path == DEFAULT_PATH


def test_loading_a_directory_reads_it_afresh_with_the_same_version() -> None:
    again = load_dictionary(DEFAULT_PATH)
    assert again is not D
    assert again.version == D.version
    assert again.types == D.types


def test_the_version_changes_with_any_file(tmp_path: Path) -> None:
    root = copy_dictionary(tmp_path)
    path = root / "types" / "store_metrics.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    changed = load_dictionary(root)
    assert changed.declared_version == "2026.1"
    assert changed.version != D.version


def test_the_sixteen_types_are_loaded_in_name_order() -> None:
    assert list(D.types) == [
        "abnormal_operation",
        "administrative_license",
        "administrative_penalty",
        "consumer_complaint",
        "court_judgment",
        "credit_commitment",
        "customs_credit_rating",
        "customs_declaration_summary",
        "enforcement_record",
        "honor_or_reward",
        "inspection_result",
        "product_quality_inspection",
        "registration",
        "serious_dishonesty_listing",
        "store_metrics",
        "tax_credit_rating",
    ]
    assert set(GOOD) == set(D.types)


def test_an_unknown_record_type_names_the_known_ones() -> None:
    with pytest.raises(DictionaryError) as exc:
        D.record_type("penalty")
    assert str(exc.value) == "unknown record type 'penalty'; known: " + ", ".join(D.types)


# The table in docs/data-dictionary.md: category, level, natural key, occurrence and field names.
TABLE: dict[str, tuple[str, str, tuple[str, ...], str, str, tuple[str, ...]]] = {
    "registration": ("entity", "public", ("subject_id",), "established_on", "on", (
        "name", "name_en", "entity_type", "legal_representative", "registered_capital_cny",
        "established_on", "region_code", "address", "phone", "business_scope", "status",
        "ecommerce_roles",
    )),
    "administrative_license": ("entity", "public", ("authority", "license_no"), "issued_on", "on", (
        "license_no", "license_name", "authority", "issued_on", "valid_until", "status",
    )),
    "administrative_penalty": (
        "reward_penalty", "public", ("authority", "decision_no"), "decision_date", "on", (
            "decision_no", "decision_date", "authority", "violation", "penalty_type",
            "fine_amount_cny", "severity", "legal_basis",
        ),
    ),
    "abnormal_operation": ("supervision", "public", ("authority", "decision_no"), "listed_on", "on", (
        "decision_no", "listed_on", "authority", "reason", "removed_on", "removal_reason",
    )),
    "serious_dishonesty_listing": (
        "reward_penalty", "public", ("authority", "decision_no"), "listed_on", "on",
        ("decision_no", "listed_on", "authority", "reason", "removed_on"),
    ),
    "court_judgment": ("supervision", "public", ("court", "case_no"), "judgment_date", "on", (
        "case_no", "court", "judgment_date", "cause", "role", "amount_cny", "outcome",
    )),
    "enforcement_record": ("reward_penalty", "public", ("court", "case_no"), "filed_on", "on", (
        "case_no", "court", "filed_on", "amount_cny", "dishonest", "status", "concluded_on",
    )),
    "tax_credit_rating": ("supervision", "shared", ("subject_id", "year"), "year", "year_end", (
        "year", "rating", "authority",
    )),
    "customs_credit_rating": ("supervision", "public", ("subject_id", "rated_on"), "rated_on", "on", (
        "rating", "rated_on", "authority", "customs_code",
    )),
    "customs_declaration_summary": (
        "operation", "shared", ("subject_id", "month"), "month", "month_end", (
            "month", "declarations", "export_value_usd", "import_value_usd", "inspected",
            "irregularities", "returned_parcels",
        ),
    ),
    "store_metrics": ("operation", "shared", ("subject_id", "month"), "month", "month_end", (
        "month", "operator_id", "store_name", "orders", "gmv_cny", "refund_rate",
        "late_shipment_rate", "cancellation_rate", "valid_tracking_rate", "order_defect_rate",
        "rating_description", "rating_service", "rating_logistics", "complaints",
    )),
    "consumer_complaint": ("complaint", "public", ("channel", "complaint_no"), "received_on", "on", (
        "complaint_no", "received_on", "channel", "category", "amount_cny", "cross_border",
        "status", "resolved_on", "summary",
    )),
    "product_quality_inspection": (
        "supervision", "public", ("authority", "report_no"), "inspected_on", "on",
        ("report_no", "inspected_on", "authority", "product", "result", "defect"),
    ),
    "honor_or_reward": ("reward_penalty", "public", ("authority", "award_no"), "awarded_on", "on", (
        "award_no", "awarded_on", "authority", "title", "kind", "level", "valid_until",
    )),
    "inspection_result": ("supervision", "public", ("plan_id", "subject_id"), "inspected_on", "on", (
        "plan_id", "inspected_on", "authority", "result", "findings", "inspectors",
    )),
    "credit_commitment": (
        "service", "public", ("to_authority", "commitment_no"), "made_on", "on",
        ("commitment_no", "made_on", "to_authority", "kind", "content", "fulfilled"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_type_matches_the_documented_table(name: str) -> None:
    category, level, key, occurred, rule, fields = TABLE[name]
    rt = D.record_type(name)
    assert (rt.category, rt.disclosure_level, rt.natural_key) == (category, level, key)
    assert (rt.occurred_field, rt.occurred_rule) == (occurred, rule)
    assert rt.field_names == ("subject_id", *fields)
    assert rt.csv_headers() == ["subject_id", *fields]


def test_the_six_categories_and_three_levels() -> None:
    assert CATEGORIES == (
        "entity",
        "operation",
        "supervision",
        "service",
        "reward_penalty",
        "complaint",
    )
    assert DISCLOSURE_LEVELS == ("public", "shared", "restricted")
    assert {rt.category for rt in D.types.values()} == set(CATEGORIES)
    assert {rt.disclosure_level for rt in D.types.values()} <= set(DISCLOSURE_LEVELS)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_type_is_fully_described(name: str) -> None:
    rt = D.record_type(name)
    assert rt.version == 1
    assert rt.label_zh and rt.label_en and rt.description_zh and rt.description_en
    first = rt.fields[0]
    assert (first.name, first.type, first.required) == ("subject_id", "subject_id", True)
    for f in rt.fields:
        assert f.type in FIELD_TYPES
        assert f.label_zh and f.label_en and f.description_zh and f.description_en
        if f.type in ("code", "codes"):
            assert f.codes and all(c.code and c.zh and c.en for c in f.codes)
        if f.type == "decimal":
            assert f.scale is not None
        if f.unit in ("CNY", "USD"):
            assert f.scale == 2
    assert all(rt.field(k).required for k in rt.natural_key)


def test_administrative_penalty_fields_are_exactly_as_specified() -> None:
    rt = D.record_type("administrative_penalty")
    assert rt.field_names == (
        "subject_id",
        "decision_no",
        "decision_date",
        "authority",
        "violation",
        "penalty_type",
        "fine_amount_cny",
        "severity",
        "legal_basis",
    )
    assert rt.field("penalty_type").code_values == (
        "warning",
        "fine",
        "confiscation",
        "suspension",
        "license_revocation",
        "other",
    )
    assert rt.field("severity").code_values == ("light", "general", "serious")
    fine = rt.field("fine_amount_cny")
    assert (fine.required, fine.min, fine.scale, fine.unit) == (False, Decimal(0), 2, "CNY")
    assert [(c.field, c.values) for c in fine.required_when] == [("penalty_type", ("fine",))]
    assert rt.field("decision_date").not_future is True
    assert rt.field("fine_amount_cny").code("fine") is None
    assert rt.field("penalty_type").code("fine") is not None


def test_asking_for_a_missing_field_names_the_fields() -> None:
    with pytest.raises(DictionaryError) as exc:
        D.record_type("tax_credit_rating").field("grade")
    assert str(exc.value) == (
        "record type 'tax_credit_rating' has no field 'grade'; "
        "fields: subject_id, year, rating, authority"
    )


# ---------------------------------------------------------------------------------------------
# Providers and obligations


def test_providers_of_the_responsibility_list() -> None:
    assert list(D.providers) == [
        "market-regulation",
        "customs",
        "tax",
        "court",
        "development-reform",
        "platform-xishi",
        "platform-dongfang",
        "platform-zhibo",
    ]
    names = {p.key: (p.kind, p.name_zh) for p in D.providers.values()}
    assert names == {
        "market-regulation": ("department", "市场监督管理局"),
        "customs": ("department", "海关"),
        "tax": ("department", "税务局"),
        "court": ("department", "人民法院"),
        "development-reform": ("department", "发展和改革委员会"),
        "platform-xishi": ("platform", "西市商城"),
        "platform-dongfang": ("platform", "东方购"),
        "platform-zhibo": ("platform", "直播优选"),
    }


def test_types_and_providers_name_each_other() -> None:
    for rt in D.types.values():
        listing = tuple(sorted(k for k, p in D.providers.items() if rt.name in p.types))
        assert tuple(sorted(rt.providers)) == listing, rt.name


def test_may_submit() -> None:
    assert D.may_submit("market-regulation", "administrative_penalty") is True
    assert D.may_submit("platform-xishi", "store_metrics") is True
    assert D.may_submit("platform-xishi", "administrative_penalty") is False
    assert D.may_submit("court", "tax_credit_rating") is False
    assert D.may_submit("nobody", "store_metrics") is False
    assert D.may_submit("tax", "no_such_type") is False


def obligation(provider: str, type_name: str) -> Obligation:
    (found,) = [o for o in D.providers[provider].obligations if o.type_name == type_name]
    return found


def test_the_documented_obligations() -> None:
    got = {
        (p.key, o.type_name): (o.frequency, o.max_lag_days)
        for p in D.providers.values()
        for o in p.obligations
    }
    assert got[("market-regulation", "administrative_penalty")] == ("daily", 7)
    assert got[("platform-xishi", "store_metrics")] == ("monthly", 10)
    assert got[("platform-dongfang", "store_metrics")] == ("monthly", 10)
    assert got[("platform-zhibo", "store_metrics")] == ("monthly", 10)
    assert got[("tax", "tax_credit_rating")] == ("yearly", 120)
    assert got[("customs", "customs_declaration_summary")] == ("monthly", 15)
    for p in D.providers.values():
        for o in p.obligations:
            assert o.type_name in p.types
            assert o.description_zh and o.description_en


def cst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=CHINA_TIME)


END_OF_DAY = (23, 59, 59, 999999)


def test_store_metrics_are_due_by_the_tenth_of_the_next_month() -> None:
    ob = obligation("platform-xishi", "store_metrics")
    # April's metrics were sent on 8 April... no: a submission on 8 April delivers March.
    assert ob.due_by(cst(2026, 4, 8, 10, 0), cst(2026, 4, 20)) == cst(2026, 5, 10, *END_OF_DAY)
    assert ob.is_overdue(cst(2026, 4, 8, 10, 0), cst(2026, 5, 10, 23, 0)) is False
    assert ob.is_overdue(cst(2026, 4, 8, 10, 0), cst(2026, 5, 11, 0, 0)) is True
    # Nothing sent yet: last month's data is owed.
    assert ob.due_by(None, cst(2026, 5, 5)) == cst(2026, 5, 10, *END_OF_DAY)
    assert ob.is_overdue(None, cst(2026, 5, 11, 9, 0)) is True


def test_deadlines_use_china_time() -> None:
    ob = obligation("platform-xishi", "store_metrics")
    sent_utc = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 1 April, 01:00 in China
    assert ob.due_by(sent_utc, datetime(2026, 4, 2, tzinfo=UTC)) == cst(2026, 5, 10, *END_OF_DAY)
    naive = ob.due_by(datetime(2026, 4, 8), datetime(2026, 4, 9))
    assert naive == datetime(2026, 5, 10, *END_OF_DAY)
    assert naive.tzinfo is None


def test_daily_weekly_quarterly_and_yearly_deadlines() -> None:
    penalty = obligation("market-regulation", "administrative_penalty")
    assert penalty.due_by(cst(2026, 4, 8, 10), cst(2026, 4, 9)) == cst(2026, 4, 15, *END_OF_DAY)
    assert penalty.due_by(None, cst(2026, 4, 9)) == cst(2026, 4, 15, *END_OF_DAY)
    complaints = obligation("platform-zhibo", "consumer_complaint")  # weekly, 7 days
    # 1 May 2026 is a Friday; its ISO week ends on Sunday 3 May.
    assert complaints.due_by(cst(2026, 5, 1, 12), cst(2026, 5, 2)) == cst(2026, 5, 10, *END_OF_DAY)
    tax = obligation("tax", "tax_credit_rating")  # yearly, by 30 April
    assert tax.due_by(None, cst(2026, 3, 1)) == cst(2026, 4, 30, *END_OF_DAY)
    assert tax.is_overdue(None, cst(2026, 5, 1)) is True
    assert tax.due_by(cst(2026, 4, 20), cst(2026, 5, 1)) == cst(2027, 4, 30, *END_OF_DAY)
    quarterly = replace(penalty, frequency="quarterly", max_lag_days=30)
    assert quarterly.due_by(cst(2026, 2, 14), cst(2026, 3, 1)) == cst(2026, 4, 30, *END_OF_DAY)
    assert quarterly.due_by(None, cst(2026, 2, 14)) == cst(2026, 1, 30, *END_OF_DAY)


# ---------------------------------------------------------------------------------------------
# Validation: good rows


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_good_row_of_every_type_validates(name: str) -> None:
    result = check(name, GOOD[name])
    assert result.errors == []
    assert result.ok is True
    assert list(result.values) == [k for k in D.record_type(name).field_names if k in GOOD[name]]


def test_values_are_normalised() -> None:
    assert check("store_metrics", GOOD["store_metrics"]).values == {
        "subject_id": "store:xishi:100234",
        "month": "2026-04",
        "operator_id": USCC,
        "store_name": "西湖好物旗舰店",
        "orders": 12850,
        "gmv_cny": "1038766.40",
        "refund_rate": 0.043,
        "late_shipment_rate": 0.012,
        "cancellation_rate": 0.004,
        "valid_tracking_rate": 0.998,
        "order_defect_rate": 0.006,
        "rating_description": "4.80",
        "rating_service": "4.85",
        "rating_logistics": "4.70",
        "complaints": 7,
    }
    assert check("registration", GOOD["registration"]).values["ecommerce_roles"] == [
        "merchant",
        "livestream_seller",
    ]
    assert check("enforcement_record", GOOD["enforcement_record"]).values["dishonest"] is False
    assert check("tax_credit_rating", GOOD["tax_credit_rating"]).values["year"] == 2025


def test_json_values_are_taken_as_well_as_text() -> None:
    row = {
        "subject_id": "store:XiShi:100234",
        "month": "2026-04",
        "orders": 12850,
        "gmv_cny": 1038766.4,
        "refund_rate": 0,
        "late_shipment_rate": 1,
        "cancellation_rate": 0.25,
        "rating_service": Decimal("4.5"),
        "complaints": 7.0,
        "store_name": None,
        "operator_id": "",
    }
    assert check("store_metrics", row).values == {
        "subject_id": "store:xishi:100234",
        "month": "2026-04",
        "orders": 12850,
        "gmv_cny": "1038766.40",
        "refund_rate": 0.0,
        "late_shipment_rate": 1.0,
        "cancellation_rate": 0.25,
        "rating_service": "4.50",
        "complaints": 7,
    }


def test_missing_optional_fields_are_absent_from_values() -> None:
    result = check("customs_declaration_summary", {**GOOD["customs_declaration_summary"]})
    assert "returned_parcels" in result.values
    row = {**GOOD["customs_declaration_summary"], "returned_parcels": "  "}
    assert "returned_parcels" not in check("customs_declaration_summary", row).values


# ---------------------------------------------------------------------------------------------
# Validation: bad rows, with the exact errors


def test_a_bad_penalty_row_reports_every_problem() -> None:
    row = {
        **GOOD["administrative_penalty"],
        "subject_id": "91110000600037341X",
        "decision_date": "2031-01-01",
        "penalty_type": "fines",
        "fine_amount_cny": "1,200.50",
        "severity": "",
        "colour": "red",
    }
    assert errors("administrative_penalty", row) == [
        (
            "colour",
            "unknown field 'colour'; known: subject_id, decision_no, decision_date, authority, "
            "violation, penalty_type, fine_amount_cny, severity, legal_basis",
        ),
        ("subject_id", "subject_id '91110000600037341X': check digit is 'X', expected 'L'"),
        (
            "decision_date",
            "decision_date 2031-01-01 is in the future; expected a date on or before 2026-05-01",
        ),
        (
            "penalty_type",
            "penalty_type 'fines' is not one of warning, fine, confiscation, suspension, "
            "license_revocation, other",
        ),
        (
            "fine_amount_cny",
            "fine_amount_cny '1,200.50' is not a plain decimal number; expected digits with at "
            "most 2 decimal places after a '.', e.g. 1200.50 (no thousands separators, no exponent)",
        ),
        ("severity", "severity is missing; it is required"),
    ]


def test_every_required_field_missing() -> None:
    assert errors("tax_credit_rating", {}) == [
        ("subject_id", "subject_id is missing; it is required"),
        ("year", "year is missing; it is required"),
        ("rating", "rating is missing; it is required"),
        ("authority", "authority is missing; it is required"),
    ]


def test_a_row_that_is_not_a_mapping() -> None:
    result = D.record_type("tax_credit_rating").validate(["a", "b"], today=TODAY)  # type: ignore[arg-type]
    assert result.values == {}
    assert result.errors == [
        FieldError("", "a record must be a set of named fields, got ['a', 'b']")
    ]


def test_a_key_that_is_not_text_is_an_unknown_field() -> None:
    row: dict[Any, object] = {**GOOD["tax_credit_rating"], 7: "x"}
    assert errors("tax_credit_rating", row)[0] == (
        "7",
        "unknown field 7; known: subject_id, year, rating, authority",
    )


def test_required_when() -> None:
    penalty = {**GOOD["administrative_penalty"]}
    del penalty["fine_amount_cny"]
    assert errors("administrative_penalty", penalty) == [
        ("fine_amount_cny", "fine_amount_cny is missing; it is required when penalty_type is fine")
    ]
    assert errors("administrative_penalty", {**penalty, "penalty_type": "warning"}) == []
    complaint = {**GOOD["consumer_complaint"], "resolved_on": ""}
    assert errors("consumer_complaint", complaint) == [
        (
            "resolved_on",
            "resolved_on is missing; it is required when status is mediated or resolved",
        )
    ]
    assert errors("consumer_complaint", {**complaint, "status": "open"}) == []
    inspection = {**GOOD["product_quality_inspection"], "defect": None}
    assert errors("product_quality_inspection", inspection) == [
        ("defect", "defect is missing; it is required when result is fail")
    ]


def test_required_when_is_silent_while_the_condition_itself_is_wrong() -> None:
    penalty = {**GOOD["administrative_penalty"], "penalty_type": "FINE", "fine_amount_cny": ""}
    assert [f for f, _ in errors("administrative_penalty", penalty)] == ["penalty_type"]


def test_not_future() -> None:
    penalty = GOOD["administrative_penalty"]
    assert errors("administrative_penalty", {**penalty, "decision_date": "2026-05-01"}) == []
    assert errors("administrative_penalty", {**penalty, "decision_date": "2026-05-02"}) == [
        (
            "decision_date",
            "decision_date 2026-05-02 is in the future; expected a date on or before 2026-05-01",
        )
    ]
    metrics = GOOD["store_metrics"]
    assert errors("store_metrics", {**metrics, "month": "2026-05"}) == []
    assert errors("store_metrics", {**metrics, "month": "2026-06"}) == [
        ("month", "month 2026-06 is in the future; expected a month on or before 2026-05")
    ]
    # valid_until is meant to lie ahead
    licence = {**GOOD["administrative_license"], "valid_until": "2031-12-31"}
    assert errors("administrative_license", licence) == []


def test_not_before() -> None:
    listing = {**GOOD["abnormal_operation"], "removed_on": "2024-06-30"}
    assert errors("abnormal_operation", listing) == [
        (
            "removed_on",
            "removed_on 2024-06-30 is before listed_on 2024-07-01; expected a date on or after "
            "2024-07-01",
        )
    ]
    assert errors("abnormal_operation", {**listing, "removed_on": "2024-07-01"}) == []


def test_a_key_part_may_not_contain_the_separator() -> None:
    row = {**GOOD["administrative_penalty"], "decision_no": "杭市监处罚|12号"}
    assert errors("administrative_penalty", row) == [
        (
            "decision_no",
            "decision_no '杭市监处罚|12号' contains '|', which separates the parts of a record's "
            "key; expected the value without it",
        )
    ]
    other = {**GOOD["administrative_penalty"], "violation": "a|b"}
    assert errors("administrative_penalty", other) == []


def one_error(type_name: str, name: str, value: object) -> str | None:
    """The error of `name` when it is set to `value` in the good row of `type_name`."""
    found = [e.message for e in check(type_name, {**GOOD[type_name], name: value}).errors]
    assert len(found) <= 1, found
    return found[0] if found else None


def value_of(type_name: str, name: str, value: object) -> object:
    result = check(type_name, {**GOOD[type_name], name: value})
    assert result.errors == []
    return result.values.get(name)


INTEGERS = [
    ("12", 12),
    (" 12 ", 12),
    ("0", 0),
    ("007", 7),
    (12, 12),
    (12.0, 12),
    (Decimal("12"), 12),
]


@pytest.mark.parametrize(("raw", "expected"), INTEGERS)
def test_integers(raw: object, expected: int) -> None:
    assert value_of("store_metrics", "orders", raw) == expected


BAD_INTEGERS = [
    ("12.5", "orders '12.5' is not a whole number; expected digits only, e.g. 1200"),
    ("1,200", "orders '1,200' is not a whole number; expected digits only, e.g. 1200"),
    ("+5", "orders '+5' is not a whole number; expected digits only, e.g. 1200"),
    ("1e3", "orders '1e3' is not a whole number; expected digits only, e.g. 1200"),
    ("١٢", "orders '١٢' is not a whole number; expected digits only, e.g. 1200"),
    (12.5, "orders 12.5 is not a whole number; expected digits only, e.g. 1200"),
    ("-1", "orders -1 is below the minimum 0"),
    (True, "orders must be a whole number, got a boolean (true)"),
    ([1], "orders must be a whole number, got a list"),
    ("NaN", "orders 'NaN' is not a finite number; expected digits only, e.g. 1200"),
    (math.inf, "orders inf is not a finite number; expected digits only, e.g. 1200"),
    ("9" * 17, "orders 99999999999999999 is above the maximum 9007199254740991"),
    ("9" * 31, "orders '9999999999999999999999999999999' is not a whole number; "
     "expected digits only, e.g. 1200"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "message"), BAD_INTEGERS)
def test_bad_integers(raw: object, message: str) -> None:
    assert one_error("store_metrics", "orders", raw) == message


def test_integer_ranges_from_the_dictionary() -> None:
    assert one_error("tax_credit_rating", "year", "2013") == "year 2013 is below the minimum 2014"
    assert one_error("tax_credit_rating", "year", "2101") == "year 2101 is above the maximum 2100"
    assert one_error("tax_credit_rating", "year", "2014") is None


DECIMALS = [
    ("20000", "20000.00"),
    ("1200.5", "1200.50"),
    ("1200.50", "1200.50"),
    ("1200.500", "1200.50"),
    (" 0.5 ", "0.50"),
    ("0", "0.00"),
    ("-0", "0.00"),
    ("000123.4", "123.40"),
    (1200, "1200.00"),
    (0.1, "0.10"),
    (1200.55, "1200.55"),
    (Decimal("7.1"), "7.10"),
    ("999999999999999999.99", "999999999999999999.99"),
]


@pytest.mark.parametrize(("raw", "expected"), DECIMALS)
def test_decimals_are_stored_as_canonical_text(raw: object, expected: str) -> None:
    assert value_of("administrative_penalty", "fine_amount_cny", raw) == expected


_DECIMAL_EXPECTED = (
    "expected digits with at most 2 decimal places after a '.', e.g. 1200.50 "
    "(no thousands separators, no exponent)"
)
BAD_DECIMALS = [
    ("1,200.50", f"fine_amount_cny '1,200.50' is not a plain decimal number; {_DECIMAL_EXPECTED}"),
    ("1 200", f"fine_amount_cny '1 200' is not a plain decimal number; {_DECIMAL_EXPECTED}"),
    ("1e3", f"fine_amount_cny '1e3' is not a plain decimal number; {_DECIMAL_EXPECTED}"),
    (".5", f"fine_amount_cny '.5' is not a plain decimal number; {_DECIMAL_EXPECTED}"),
    ("5.", f"fine_amount_cny '5.' is not a plain decimal number; {_DECIMAL_EXPECTED}"),
    ("¥200", f"fine_amount_cny '¥200' is not a plain decimal number; {_DECIMAL_EXPECTED}"),
    ("200元", f"fine_amount_cny '200元' is not a plain decimal number; {_DECIMAL_EXPECTED}"),
    ("1200.505", "fine_amount_cny '1200.505' has 3 decimal places; at most 2 are allowed"),
    (0.001, "fine_amount_cny 0.001 has 3 decimal places; at most 2 are allowed"),
    ("-5", "fine_amount_cny '-5' is below the minimum 0"),
    ("nan", f"fine_amount_cny 'nan' is not a finite number; {_DECIMAL_EXPECTED}"),
    ("-Infinity", f"fine_amount_cny '-Infinity' is not a finite number; {_DECIMAL_EXPECTED}"),
    (math.nan, f"fine_amount_cny NaN is not a finite number; {_DECIMAL_EXPECTED}"),
    (math.inf, f"fine_amount_cny inf is not a finite number; {_DECIMAL_EXPECTED}"),
    (Decimal("NaN"), f"fine_amount_cny NaN is not a finite number; {_DECIMAL_EXPECTED}"),
    (False, "fine_amount_cny must be a number, got a boolean (false)"),
    ({"v": 1}, "fine_amount_cny must be a number, got an object"),
    (
        "1" * 19,
        "fine_amount_cny '1111111111111111111' has 19 digits before the decimal point; "
        "at most 18 are allowed",
    ),
]


@pytest.mark.parametrize(("raw", "message"), BAD_DECIMALS)
def test_bad_decimals(raw: object, message: str) -> None:
    assert one_error("administrative_penalty", "fine_amount_cny", raw) == message


def test_decimal_ranges_from_the_dictionary() -> None:
    assert one_error("store_metrics", "rating_service", "5.01") == (
        "rating_service '5.01' is above the maximum 5"
    )
    assert one_error("store_metrics", "rating_service", "0.99") == (
        "rating_service '0.99' is below the minimum 1"
    )


RATES = [("0", 0.0), ("1", 1.0), ("0.05", 0.05), (" 0.5 ", 0.5), (0.125, 0.125), (1, 1.0)]


@pytest.mark.parametrize(("raw", "expected"), RATES)
def test_rates(raw: object, expected: float) -> None:
    assert value_of("store_metrics", "refund_rate", raw) == expected


BAD_RATES = [
    ("5%", "refund_rate '5%' is a percentage; expected a fraction between 0 and 1, e.g. 0.05 for 5%"),
    ("1.01", "refund_rate '1.01' is above the maximum 1"),
    (-0.1, "refund_rate -0.1 is below the minimum 0"),
    ("5", "refund_rate '5' is above the maximum 1"),
    ("inf", "refund_rate 'inf' is not a finite number; expected a fraction between 0 and 1, "
     "e.g. 0.05 for 5%"),
    (math.nan, "refund_rate NaN is not a finite number; expected a fraction between 0 and 1, "
     "e.g. 0.05 for 5%"),
    (True, "refund_rate must be a number, got a boolean (true)"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "message"), BAD_RATES)
def test_bad_rates(raw: object, message: str) -> None:
    assert one_error("store_metrics", "refund_rate", raw) == message


_DATE_EXPECTED = "expected a date written YYYY-MM-DD, e.g. 2025-03-31"
BAD_DATES = [
    ("2025/03/18", f"decision_date '2025/03/18' is not a date; {_DATE_EXPECTED}"),
    ("20250318", f"decision_date '20250318' is not a date; {_DATE_EXPECTED}"),
    ("18.03.2025", f"decision_date '18.03.2025' is not a date; {_DATE_EXPECTED}"),
    ("2025-3-18", f"decision_date '2025-3-18' is not a date; {_DATE_EXPECTED}"),
    ("2025-W12-2", f"decision_date '2025-W12-2' is not a date; {_DATE_EXPECTED}"),
    ("2025-03-18T10:00", f"decision_date '2025-03-18T10:00' is not a date; {_DATE_EXPECTED}"),
    ("2025-02-29", f"decision_date '2025-02-29' is not a valid calendar date; {_DATE_EXPECTED}"),
    ("2025-13-01", f"decision_date '2025-13-01' is not a valid calendar date; {_DATE_EXPECTED}"),
    ("1899-12-31", "decision_date 1899-12-31 is out of range; expected a date between "
     "1900-01-01 and 2199-12-31"),
    (45000, f"decision_date must be a date, got a number (45000); {_DATE_EXPECTED}"),
    (datetime(2025, 3, 18, 10), "decision_date '2025-03-18T10:00:00' is a date and time; "
     f"{_DATE_EXPECTED}"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "message"), BAD_DATES)
def test_bad_dates(raw: object, message: str) -> None:
    assert one_error("administrative_penalty", "decision_date", raw) == message


def test_dates() -> None:
    assert value_of("administrative_penalty", "decision_date", " 2024-02-29 ") == "2024-02-29"
    assert value_of("administrative_penalty", "decision_date", date(2025, 1, 2)) == "2025-01-02"


_MONTH_EXPECTED = "expected a month written YYYY-MM, e.g. 2025-03"
BAD_MONTHS = [
    ("2025-13", f"month '2025-13' is not a month; {_MONTH_EXPECTED}"),
    ("2025-00", f"month '2025-00' is not a month; {_MONTH_EXPECTED}"),
    ("2025-3", f"month '2025-3' is not a month; {_MONTH_EXPECTED}"),
    ("2025-03-01", f"month '2025-03-01' is not a month; {_MONTH_EXPECTED}"),
    ("202503", f"month '202503' is not a month; {_MONTH_EXPECTED}"),
    ("1899-12", "month 1899-12 is out of range; expected a month between 1900-01 and 2199-12"),
    (202503, f"month must be a month, got a number (202503); {_MONTH_EXPECTED}"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_MONTHS)
def test_bad_months(raw: object, message: str) -> None:
    assert one_error("store_metrics", "month", raw) == message


BOOLEANS = [
    ("true", True),
    ("TRUE", True),
    ("True", True),
    ("1", True),
    ("yes", True),
    ("Yes", True),
    ("是", True),
    (True, True),
    (1, True),
    ("false", False),
    ("0", False),
    ("no", False),
    ("NO", False),
    ("否", False),
    (False, False),
    (0, False),
]


@pytest.mark.parametrize(("raw", "expected"), BOOLEANS)
def test_booleans(raw: object, expected: bool) -> None:
    assert value_of("enforcement_record", "dishonest", raw) is expected


@pytest.mark.parametrize("raw", ["y", "maybe", "2", 2, 1.0, "真"])
def test_bad_booleans(raw: object) -> None:
    shown = repr(raw) if isinstance(raw, str) else str(raw)
    assert one_error("enforcement_record", "dishonest", raw) == (
        f"dishonest {shown} is not a yes/no value; expected one of "
        "true, false, 1, 0, yes, no, 是, 否"
    )


def test_codes_are_exact() -> None:
    assert value_of("administrative_penalty", "penalty_type", " fine ") == "fine"
    assert one_error("administrative_penalty", "penalty_type", "Fine") == (
        "penalty_type 'Fine' is not one of warning, fine, confiscation, suspension, "
        "license_revocation, other"
    )
    assert one_error("administrative_penalty", "penalty_type", ["fine"]) == (
        "penalty_type must be a code, got a list; expected one of warning, fine, confiscation, "
        "suspension, license_revocation, other"
    )
    # a numeric code may come as a JSON number
    assert value_of("consumer_complaint", "channel", 12315) == "12315"


def test_code_lists() -> None:
    roles = "ecommerce_roles"
    assert value_of("registration", roles, "mcn; merchant;;merchant;") == ["merchant", "mcn"]
    assert value_of("registration", roles, ["cross_border", "merchant"]) == [
        "merchant",
        "cross_border",
    ]
    assert value_of("registration", roles, " ; ") is None
    assert one_error("registration", roles, "merchant;seller;shop") == (
        "ecommerce_roles 'seller', 'shop' are not of platform_operator, merchant, "
        "self_built_site, livestream_seller, mcn, cross_border, logistics, payment_service "
        "(several codes are separated by ';')"
    )
    assert one_error("registration", roles, 5.5) == (
        "ecommerce_roles must be codes separated by ';', got a number (5.5); expected some of "
        "platform_operator, merchant, self_built_site, livestream_seller, mcn, cross_border, "
        "logistics, payment_service"
    )


SUBJECT_IDS = [
    (" 91110000600037341l ", USCC),
    ("9111 0000 6000 3734 1L", USCC),
    ("uscc:91110000600037341L", USCC),
    ("LEI:529900t8bm49aursdo55", "lei:529900T8BM49AURSDO55"),
    ("store:XiShi:AbC-1", "store:xishi:AbC-1"),
    ("foreign:us:0000320193", "foreign:US:0000320193"),
]


@pytest.mark.parametrize(("raw", "expected"), SUBJECT_IDS)
def test_subject_ids_are_normalised(raw: str, expected: str) -> None:
    assert value_of("registration", "subject_id", raw) == expected


def test_bad_subject_ids() -> None:
    assert one_error("registration", "subject_id", "91110000600037342L") == (
        "subject_id '91110000600037342L': the embedded organisation code 600037342 fails its "
        "GB 11714 check digit (expected 1)"
    )
    assert one_error("registration", "subject_id", "x" * 300) == (
        "subject_id is 300 characters long; at most 200 are allowed"
    )
    assert one_error("registration", "subject_id", 91110000) == (
        "subject_id must be text, got a number (91110000)"
    )
    assert one_error("tax_credit_rating", "subject_id", "store:xishi:1") == (
        "subject_id 'store:xishi:1' is a store id (store:<platform>:<id>); "
        "expected a unified social credit code"
    )
    assert one_error("store_metrics", "subject_id", USCC) == (
        f"subject_id '{USCC}' is a unified social credit code; "
        "expected a store id (store:<platform>:<id>)"
    )
    assert one_error("store_metrics", "operator_id", "store:a:b") == (
        "operator_id 'store:a:b' is a store id (store:<platform>:<id>); expected a unified "
        "social credit code, an LEI (lei:<LEI>) or a foreign id (foreign:<country>:<number>)"
    )


BAD_TEXT = [
    ("name", "杭州\x00西湖", "name contains the control character U+0000 at position 3; "
     "expected printable text on one line"),
    ("name", "a\x1b[31mb", "name contains the control character U+001B at position 2; "
     "expected printable text on one line"),
    ("name", "a\tb", "name contains the control character U+0009 at position 2; "
     "expected printable text on one line"),
    ("name", "a\nb", "name contains the control character U+000A at position 2; "
     "expected printable text on one line"),
    ("name", "abc\u202edcba", "name contains the bidirectional-override character U+202E at "
     "position 4; expected printable text on one line"),
    ("name", "a\u2028b", "name contains a line break U+2028 at position 2; "
     "expected printable text on one line"),
    ("name", "a\ud800b", "name contains an unpaired surrogate U+D800 at position 2; "
     "expected printable text on one line"),
    ("name", "a\x85b", "name contains the control character U+0085 at position 2; "
     "expected printable text on one line"),
    ("business_scope", "a\x07b", "business_scope contains the control character U+0007 at "
     "position 2; expected printable text (tab and newline are allowed)"),
    ("name", 42, "name must be text, got a number (42)"),
    ("name", "x" * 201, "name is 201 characters long; at most 200 are allowed"),
    ("business_scope", "x" * 5001, "business_scope is 5,001 characters long; at most 5,000 are "
     "allowed"),
    ("region_code", "33010", "region_code '33010' is not valid; expected a six-digit "
     "administrative division code (GB/T 2260), e.g. 330106"),
    ("region_code", "３３０１０６", "region_code '３３０１０６' is not valid; expected a six-digit "
     "administrative division code (GB/T 2260), e.g. 330106"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "raw", "message"), BAD_TEXT)
def test_bad_text(name: str, raw: object, message: str) -> None:
    assert one_error("registration", name, raw) == message


def test_text_limits_and_line_breaks() -> None:
    assert value_of("registration", "name", " " + "x" * 200 + " ") == "x" * 200
    assert value_of("registration", "business_scope", "x" * 5000) == "x" * 5000
    assert value_of("registration", "business_scope", "a\r\nb\tc\rd") == "a\nb\tc\nd"
    assert value_of("registration", "name", " A店 😀\u200d🛒 ") == "A店 😀\u200d🛒"


@pytest.mark.parametrize(
    "raw", ['=HYPERLINK("http://x","y")', "+86 571 8888", "-", "@SUM(A1)", "=1+1", "-5"]
)
def test_formula_like_text_is_stored_as_given(raw: str) -> None:
    assert value_of("administrative_penalty", "violation", raw) == raw
    assert value_of("registration", "address", raw) == raw


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(GOOD)),
    changes=st.dictionaries(
        st.one_of(st.sampled_from(sorted({f for r in GOOD.values() for f in r})), st.text()),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.decimals(),
            st.text(),
            st.binary(),
            st.dates(),
            st.lists(st.text(), max_size=3),
            st.dictionaries(st.text(), st.integers(), max_size=2),
        ),
        max_size=6,
    ),
)
def test_validation_never_raises(name: str, changes: dict[str, object]) -> None:
    rt = D.record_type(name)
    result = rt.validate({**GOOD[name], **changes}, today=TODAY)
    known = set(rt.field_names)
    for e in result.errors:
        assert e.message
        assert e.field in known or e.message.startswith("unknown field")
    json.dumps(result.values, allow_nan=False)
    if result.ok:
        rt.natural_key_of(result.values)
        rt.occurred_on(result.values)
        rt.public_until(result.values)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_normalised_values_validate_to_themselves(name: str) -> None:
    values = check(name, GOOD[name]).values
    again = check(name, dict(values))
    assert again.errors == []
    assert again.values == values


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False))
def test_any_two_place_decimal_is_stored_with_exactly_two_places(number: Decimal) -> None:
    rt = D.record_type("customs_declaration_summary")
    field = replace(rt.field("export_value_usd"), min=None)
    adjusted = replace(rt, fields=tuple(field if f.name == field.name else f for f in rt.fields))
    row = {**GOOD["customs_declaration_summary"], "export_value_usd": str(number)}
    value = adjusted.validate(row, today=TODAY).values["export_value_usd"]
    assert value == f"{number:.2f}".replace("-0.00", "0.00")
    assert Decimal(str(value)) == number


# ---------------------------------------------------------------------------------------------
# Keys, dates of occurrence and publicity


def test_natural_keys() -> None:
    penalty = check("administrative_penalty", GOOD["administrative_penalty"]).values
    key = D.record_type("administrative_penalty").natural_key_of(penalty)
    assert key == "杭州市市场监督管理局|杭市监处罚〔2025〕12号"
    tax = check("tax_credit_rating", GOOD["tax_credit_rating"]).values
    assert D.record_type("tax_credit_rating").natural_key_of(tax) == f"{USCC}|2025"
    with pytest.raises(ValueError, match="natural-key field year has no value"):
        D.record_type("tax_credit_rating").natural_key_of({"subject_id": USCC})


def test_occurred_on() -> None:
    assert D.record_type("administrative_penalty").occurred_on(
        {"decision_date": "2025-03-18"}
    ) == date(2025, 3, 18)
    metrics = D.record_type("store_metrics")
    assert metrics.occurred_on({"month": "2024-02"}) == date(2024, 2, 29)
    assert metrics.occurred_on({"month": "2026-04"}) == date(2026, 4, 30)
    assert D.record_type("tax_credit_rating").occurred_on({"year": 2025}) == date(2025, 12, 31)
    assert D.record_type("registration").occurred_on({"established_on": date(2018, 6, 12)}) == date(
        2018, 6, 12
    )


def penalty(severity: str, decided: str = "2026-04-10") -> Mapping[str, object]:
    return check(
        "administrative_penalty",
        {**GOOD["administrative_penalty"], "severity": severity, "decision_date": decided},
    ).values


PENALTY = D.record_type("administrative_penalty")


def test_a_light_penalty_is_never_public() -> None:
    values = penalty("light")
    assert PENALTY.public_until(values) == date(2026, 4, 9)
    assert PENALTY.min_public_until(values) == date(2026, 4, 9)
    assert PENALTY.is_public_on(values, date(2026, 4, 10)) is False
    assert PENALTY.is_public_on(values, date(2026, 4, 9)) is False


def test_a_general_penalty_is_public_for_at_most_a_year() -> None:
    values = penalty("general")
    assert PENALTY.public_until(values) == date(2027, 4, 10)
    assert PENALTY.min_public_until(values) == date(2026, 7, 9)
    assert PENALTY.is_public_on(values, date(2026, 4, 9)) is False
    assert PENALTY.is_public_on(values, date(2026, 4, 10)) is True
    assert PENALTY.is_public_on(values, date(2027, 4, 10)) is True
    assert PENALTY.is_public_on(values, date(2027, 4, 11)) is False


def test_a_serious_penalty_is_public_for_at_most_three_years() -> None:
    values = penalty("serious")
    assert PENALTY.public_until(values) == date(2029, 4, 9)
    assert PENALTY.min_public_until(values) == date(2027, 4, 10)
    assert PENALTY.is_public_on(values, date(2029, 4, 9)) is True
    assert PENALTY.is_public_on(values, date(2029, 4, 10)) is False


def test_the_penalty_periods_are_data() -> None:
    publicity = PENALTY.publicity
    assert publicity is not None
    assert publicity.periods_by == "severity"
    assert {k: (p.min_days, p.max_days) for k, p in publicity.periods.items()} == {
        "light": (0, 0),
        "general": (90, 365),
        "serious": (365, 1095),
    }
    assert "36" in publicity.basis_en


def test_serious_dishonesty_is_public_until_removed_or_three_years() -> None:
    rt = D.record_type("serious_dishonesty_listing")
    listed = {**GOOD["serious_dishonesty_listing"], "listed_on": "2026-01-15"}
    assert rt.public_until(listed) == date(2029, 1, 14)
    removed = {**listed, "removed_on": "2026-06-01"}
    assert rt.public_until(removed) == date(2026, 5, 31)
    assert rt.is_public_on(removed, date(2026, 6, 1)) is False
    late = {**listed, "removed_on": "2030-01-01"}
    assert rt.public_until(late) == date(2029, 1, 14)


def test_abnormal_operation_is_public_until_removed() -> None:
    rt = D.record_type("abnormal_operation")
    listed = {**GOOD["abnormal_operation"]}
    del listed["removed_on"]
    assert rt.public_until(listed) is None
    assert rt.is_public_on(listed, date(2099, 1, 1)) is True
    assert rt.public_until(GOOD["abnormal_operation"]) == date(2024, 10, 14)
    same_day = {**listed, "removed_on": listed["listed_on"]}
    assert rt.is_public_on(same_day, date(2024, 7, 1)) is False


def test_enforcement_is_public_while_open() -> None:
    rt = D.record_type("enforcement_record")
    assert rt.public_until(GOOD["enforcement_record"]) is None
    concluded = {**GOOD["enforcement_record"], "status": "concluded", "concluded_on": "2026-03-01"}
    assert check("enforcement_record", concluded).errors == []
    assert rt.public_until(concluded) == date(2026, 2, 28)


def test_an_honour_is_public_through_its_last_valid_day() -> None:
    rt = D.record_type("honor_or_reward")
    assert rt.public_until(GOOD["honor_or_reward"]) == date(2027, 5, 19)
    assert rt.is_public_on(GOOD["honor_or_reward"], date(2027, 5, 19)) is True
    assert rt.is_public_on(GOOD["honor_or_reward"], date(2027, 5, 20)) is False


def test_complaints_are_public_for_three_years() -> None:
    rt = D.record_type("consumer_complaint")
    assert rt.public_until(GOOD["consumer_complaint"]) == date(2029, 2, 2)


@pytest.mark.parametrize(
    "name",
    ["registration", "administrative_license", "court_judgment", "customs_credit_rating",
     "product_quality_inspection", "credit_commitment"],
)  # fmt: skip
def test_other_public_types_stay_public(name: str) -> None:
    rt = D.record_type(name)
    values = check(name, GOOD[name]).values
    assert rt.public_until(values) is None
    assert rt.is_public_on(values, rt.occurred_on(values)) is True
    assert rt.is_public_on(values, rt.occurred_on(values) - timedelta(days=1)) is False


@pytest.mark.parametrize(
    "name", ["tax_credit_rating", "customs_declaration_summary", "store_metrics"]
)
def test_shared_types_are_never_public(name: str) -> None:
    rt = D.record_type(name)
    values = check(name, GOOD[name]).values
    assert rt.public_until(values) == rt.occurred_on(values) - timedelta(days=1)
    assert rt.is_public_on(values, rt.occurred_on(values)) is False
    assert rt.min_public_until(values) is None


# ---------------------------------------------------------------------------------------------
# Corrupted files


def copy_dictionary(tmp_path: Path) -> Path:
    root = tmp_path / "dictionary"
    shutil.copytree(
        DEFAULT_PATH, root, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__")
    )
    return root


def corrupt(root: Path, relative: str, old: str, new: str) -> Path:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def load_error(root: Path) -> DictionaryError:
    with pytest.raises(DictionaryError) as exc:
        load_dictionary(root)
    return exc.value


PENALTY_FILE = "types/administrative_penalty.toml"
CORRUPTIONS = [
    (PENALTY_FILE, 'category = "reward_penalty"', 'category = "reward_penalty"\ncolour = "red"',
     "colour", "unknown key 'colour'; allowed here: name, version, label_zh, label_en, "
     "label_ru, description_zh, description_en, category, disclosure_level, natural_key, occurred_field, "
     "occurred_rule, providers, publicity, fields"),
    (PENALTY_FILE, 'name = "violation"\ntype = "text"\nrequired = true',
     'name = "violation"\ntype = "text"\nrequird = true', "fields.violation.required",
     "is missing"),
    (PENALTY_FILE, 'name = "violation"\ntype = "text"\nrequired = true',
     'name = "violation"\ntype = "text"\nrequired = true\nrequird = true',
     "fields.violation.requird", "unknown key 'requird'; allowed here: name, type, required, "
     "label_zh, label_en, label_ru, description_zh, description_en, unit, codes, min, max, max_length, "
     "pattern, pattern_en, scale, schemes, not_future, not_before, required_when"),
    (PENALTY_FILE, 'name = "violation"\ntype = "text"', 'name = "violation"\ntype = "prose"',
     "fields.violation.type", "'prose' is not one of string, text, integer, decimal, rate, date, "
     "month, boolean, code, codes, subject_id"),
    (PENALTY_FILE, 'codes = [\n    { code = "light"', 'zodes = [\n    { code = "light"',
     "fields.severity.codes", "is missing"),
    (PENALTY_FILE, '{ code = "serious", zh = "严重", en = "Serious", ru = "Серьёзное" }',
     '{ code = "serious", zh = "严重", ru = "Серьёзное" }', "fields.severity.codes[2].en",
     "is missing"),
    (PENALTY_FILE, '{ code = "fine", zh = "罚款"', '{ code = "warning", zh = "罚款"',
     "fields.penalty_type.codes[1].code", "'warning' is listed twice"),
    (PENALTY_FILE, 'natural_key = ["authority", "decision_no"]',
     'natural_key = ["authority", "decision_number"]', "natural_key",
     "names 'decision_number', which is not a field of administrative_penalty"),
    (PENALTY_FILE, 'natural_key = ["authority", "decision_no"]',
     'natural_key = ["authority", "legal_basis"]', "natural_key",
     "names 'legal_basis', which is not required"),
    (PENALTY_FILE, 'occurred_field = "decision_date"', 'occurred_field = "authority"',
     "occurred_field", "'authority' is of type string; occurred_rule 'on' needs a date field"),
    (PENALTY_FILE, 'name = "administrative_penalty"', 'name = "penalty"', "name",
     "'penalty' must match the file name 'administrative_penalty'"),
    (PENALTY_FILE, "version = 1", 'version = "1"', "version", "must be a whole number, got '1'"),
    (PENALTY_FILE, 'category = "reward_penalty"', 'category = "rewards"', "category",
     "'rewards' is not one of entity, operation, supervision, service, reward_penalty, complaint"),
    (PENALTY_FILE, 'disclosure_level = "public"', 'disclosure_level = "secret"',
     "disclosure_level", "'secret' is not one of public, shared, restricted"),
    (PENALTY_FILE, '[publicity.periods.serious]\nmin_days = 365\nmax_days = 1095\n', "",
     "publicity.periods.serious", "is missing: every code of severity needs a period"),
    (PENALTY_FILE, "[publicity.periods.light]", "[publicity.periods.minor]",
     "publicity.periods.minor", "'minor' is not one of light, general, serious"),
    (PENALTY_FILE, "min_days = 90\nmax_days = 365", "min_days = 400\nmax_days = 365",
     "publicity.periods.general.min_days", "400 is greater than max_days 365"),
    (PENALTY_FILE, "min_days = 90\nmax_days = 365", "min_days = 90\nmax_days = -1",
     "publicity.periods.general.max_days", "must be at least 0, got -1"),
    (PENALTY_FILE, 'periods_by = "severity"', 'periods_by = "violation"', "publicity.periods_by",
     "'violation' is not a required field of type code"),
    (PENALTY_FILE, 'required_when = { penalty_type = "fine" }',
     'required_when = { penalty_type = "fines" }', "fields.fine_amount_cny.required_when"
     ".penalty_type", "'fines' is not one of warning, fine, confiscation, suspension, "
     "license_revocation, other"),
    (PENALTY_FILE, 'required_when = { penalty_type = "fine" }',
     'required_when = { penalty = "fine" }', "fields.fine_amount_cny.required_when.penalty",
     "'penalty' is not another field of type code"),
    (PENALTY_FILE, 'unit = "CNY"\nscale = 2', 'unit = "CNY"\nscale = 3',
     "fields.fine_amount_cny.scale", "amounts in CNY have at most 2 decimal places, not 3"),
    (PENALTY_FILE, 'unit = "CNY"\nscale = 2\n', 'unit = "CNY"\n',
     "fields.fine_amount_cny.scale", "is missing"),
    (PENALTY_FILE, 'name = "decision_no"\ntype = "string"\nrequired = true\nmax_length = 100',
     'name = "decision_no"\ntype = "string"\nrequired = true\nmax_length = 100\nmin = 1',
     "fields.decision_no.min", "applies to fields of type integer or decimal or rate, not string"),
    (PENALTY_FILE, 'name = "decision_no"\ntype = "string"\nrequired = true\nmax_length = 100',
     'name = "decision_no"\ntype = "string"\nrequired = true\nmax_length = 400',
     "natural_key", "can be 501 characters long; at most 500 fit (lower max_length)"),
    (PENALTY_FILE, 'name = "decision_no"\ntype = "string"\nrequired = true\nmax_length = 100',
     'name = "decision_no"\ntype = "string"\nrequired = true\nmax_length = 100\n'
     'pattern = "[0-9"\npattern_en = "digits"', "fields.decision_no.pattern",
     "is not a valid regular expression: unterminated character set at position 0"),
    (PENALTY_FILE, 'name = "subject_id"\ntype = "subject_id"', 'name = "subject"\n'
     'type = "subject_id"', "fields[0]",
     "the first field must be subject_id, of type subject_id, required"),
    (PENALTY_FILE, 'name = "legal_basis"', 'name = "authority"', "fields[8].name",
     "field 'authority' is declared twice"),
    (PENALTY_FILE, 'providers = ["customs", "market-regulation", "tax"]',
     'providers = ["customs", "market-regulation", "tax", "police"]', "providers",
     "names 'police', which is not a provider in providers.toml"),
    (PENALTY_FILE, "decision_date\"\ntype = \"date\"\nrequired = true\nnot_future = true",
     "decision_date\"\ntype = \"date\"\nrequired = true\nnot_future = \"yes\"",
     "fields.decision_date.not_future", "must be true or false, got 'yes'"),
    (PENALTY_FILE, '[[fields]]\nname = "legal_basis"', '[[fields]\nname = "legal_basis"', None,
     None),
    ("types/abnormal_operation.toml", "[publicity]\nend_field = \"removed_on\"",
     "[publicity]\nend_field = \"reason\"", "publicity.end_field",
     "'reason' is not a date field"),
    ("types/store_metrics.toml", '\n[[fields]]\nname = "subject_id"',
     '\n[publicity]\nmax_days = 10\n\n[[fields]]\nname = "subject_id"', "publicity",
     "only public types have a publicity rule; store_metrics is shared"),
    ("types/store_metrics.toml", 'disclosure_level = "shared"', 'disclosure_level = "public"',
     "publicity",
     "is missing: a public type states its publicity rule (empty = without end)"),
    ("types/court_judgment.toml", '\nbasis_en = "Effective', '\nbasis_english = "Effective',
     "publicity.basis_en", "is missing"),
    ("types/consumer_complaint.toml", 'not_before = "received_on"', 'not_before = "channel"',
     "fields.resolved_on.not_before", "'channel' is not another date field"),
    ("providers.toml", 'types = ["store_metrics", "consumer_complaint"]\n\n'
     "[[providers.platform-xishi.obligations]]",
     'types = ["store_metrics", "consumer_complaint", "store_reviews"]\n\n'
     "[[providers.platform-xishi.obligations]]", "providers.platform-xishi.types",
     "names 'store_reviews', which is not a record type"),
    ("providers.toml", 'types = ["serious_dishonesty_listing", "honor_or_reward", "credit_commitment"]',
     'types = ["serious_dishonesty_listing", "honor_or_reward"]',
     "providers.development-reform.types", "credit_commitment lists provider "
     "'development-reform', but development-reform does not list credit_commitment in its types"),
    ("providers.toml", 'types = ["court_judgment", "enforcement_record"]',
     'types = ["court_judgment", "enforcement_record", "tax_credit_rating"]',
     "providers.court.types", "names 'tax_credit_rating', but types/tax_credit_rating.toml does "
     "not list 'court' in its providers"),
    ("providers.toml", 'type = "tax_credit_rating"\nfrequency = "yearly"',
     'type = "tax_credit_rating"\nfrequency = "annually"',
     "providers.tax.obligations[1].frequency",
     "'annually' is not one of daily, weekly, monthly, quarterly, yearly"),
    ("providers.toml", 'type = "court_judgment"\nfrequency = "daily"',
     'type = "store_metrics"\nfrequency = "daily"', "providers.court.obligations[0].type",
     "'store_metrics' is not among the types court may submit"),
    ("providers.toml", 'kind = "platform"\nname_zh = "东方购"', 'kind = "shop"\nname_zh = "东方购"',
     "providers.platform-dongfang.kind", "'shop' is not one of department, platform"),
    ("providers.toml", "max_lag_days = 120", "max_lag_days = 120.5",
     "providers.tax.obligations[1].max_lag_days", "must be a whole number, got 120.5"),
    ("dictionary.toml", 'version = "2026.1"', 'version = "latest"', "version",
     "'latest' is not a version like 2026.1"),
]  # fmt: skip


@pytest.mark.parametrize(("relative", "old", "new", "key", "message"), CORRUPTIONS)
def test_a_corrupted_file_stops_loading_naming_file_and_key(
    tmp_path: Path, relative: str, old: str, new: str, key: str | None, message: str | None
) -> None:
    root = copy_dictionary(tmp_path)
    path = corrupt(root, relative, old, new)
    error = load_error(root)
    assert error.file == path
    assert error.key == key
    assert str(error).startswith(f"{path}: ")
    if message is not None:
        assert str(error) == f"{path}: {key}: {message}"


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    root = copy_dictionary(tmp_path)
    path = root / PENALTY_FILE
    path.write_text('name = "administrative_penalty\n', encoding="utf-8")
    error = load_error(root)
    assert error.file == path
    assert str(error).startswith(f"{path}: not valid TOML: ")
    path.write_bytes(b'name = "\xff"\n')
    assert str(load_error(root)).startswith(f"{path}: not valid TOML: ")


def test_missing_files_are_named(tmp_path: Path) -> None:
    root = copy_dictionary(tmp_path)
    (root / "providers.toml").unlink()
    assert str(load_error(root)) == f"{root / 'providers.toml'}: file is missing"
    shutil.rmtree(root / "types")
    assert str(load_error(root)) == f"{root / 'types'}: directory of record types is missing"
    (root / "types").mkdir()
    assert str(load_error(root)) == f"{root / 'types'}: holds no record type (*.toml)"


# ---------------------------------------------------------------------------------------------
# JSON Schema


def _schema_errors(schema: Any, value: Any, path: str = "$") -> list[str]:
    """A small evaluator of the JSON Schema keywords our schemas use (jsonschema is not installed)."""
    if schema is True:
        return []
    out: list[str] = []
    types = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "integer": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v == int(v),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    }
    for key, sub in schema.items():
        if key == "type":
            allowed = [sub] if isinstance(sub, str) else sub
            if not any(types[t](value) for t in allowed):
                out.append(f"{path}: not {sub}")
        elif key == "enum" and value not in sub:
            out.append(f"{path}: not in enum")
        elif key == "const" and value != sub:
            out.append(f"{path}: not const")
        elif key == "pattern" and isinstance(value, str) and not re.search(sub, value):
            out.append(f"{path}: does not match {sub}")
        elif key == "maxLength" and isinstance(value, str) and len(value) > sub:
            out.append(f"{path}: too long")
        elif key == "minItems" and isinstance(value, list) and len(value) < sub:
            out.append(f"{path}: too few items")
        elif key == "minimum" and types["number"](value) and value < sub:
            out.append(f"{path}: below minimum")
        elif key == "maximum" and types["number"](value) and value > sub:
            out.append(f"{path}: above maximum")
        elif key == "items" and isinstance(value, list):
            for i, item in enumerate(value):
                out += _schema_errors(sub, item, f"{path}[{i}]")
        elif key == "anyOf" and all(_schema_errors(s, value, path) for s in sub):
            out.append(f"{path}: matches none of anyOf")
        elif key == "allOf":
            for s in sub:
                out += _schema_errors(s, value, path)
        elif key == "not" and not _schema_errors(sub, value, path):
            out.append(f"{path}: matches not")
        elif key == "if" and not _schema_errors(sub, value, path) and "then" in schema:
            out += _schema_errors(schema["then"], value, path)
        elif key == "required" and isinstance(value, dict):
            out += [f"{path}: {k} required" for k in sub if k not in value]
        elif key == "properties" and isinstance(value, dict):
            for k, s in sub.items():
                if k in value:
                    out += _schema_errors(s, value[k], f"{path}.{k}")
        elif key == "additionalProperties" and sub is False and isinstance(value, dict):
            out += [f"{path}: extra {k}" for k in value if k not in schema.get("properties", {})]
    return out


def schema_errors(schema: dict[str, Any], value: Any) -> list[str]:
    try:
        import jsonschema
    except ImportError:
        return _schema_errors(schema, value)
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(value)]


@pytest.mark.parametrize("name", sorted(GOOD))
def test_json_schema_structure(name: str) -> None:
    rt = D.record_type(name)
    schema = rt.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:ecredit:dictionary:{name}:v1"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == list(rt.field_names)
    assert schema["required"] == [f.name for f in rt.fields if f.required]
    assert schema["title"] == rt.label_en
    for f in rt.fields:
        prop = schema["properties"][f.name]
        assert prop["title"] == f.label_en
        assert prop["x-label-zh"] == f.label_zh
        if f.type == "code":
            value = prop if f.required else prop["anyOf"][0]
            assert value["enum"] == list(f.code_values)
    for re_pattern in _patterns(schema):
        re.compile(re_pattern)
    json.dumps(schema)


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


def test_the_penalty_schema_states_required_when() -> None:
    schema = PENALTY.json_schema()
    assert schema["allOf"] == [
        {
            "if": {
                "properties": {"penalty_type": {"enum": ["fine"]}},
                "required": ["penalty_type"],
            },
            "then": {
                "required": ["fine_amount_cny"],
                "properties": {
                    "fine_amount_cny": {
                        "not": {
                            "anyOf": [{"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]
                        }
                    }
                },
            },
        }
    ]


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_rows_match_their_schema(name: str) -> None:
    assert schema_errors(D.record_type(name).json_schema(), GOOD[name]) == []


def test_json_rows_match_their_schema() -> None:
    row = {
        "subject_id": "store:xishi:100234",
        "month": "2026-04",
        "orders": 12850,
        "gmv_cny": 1038766.4,
        "refund_rate": 0.04,
        "store_name": None,
        "operator_id": "",
    }
    assert schema_errors(D.record_type("store_metrics").json_schema(), row) == []


BAD_FOR_SCHEMA = [
    {**GOOD["administrative_penalty"], "colour": "red"},
    {**GOOD["administrative_penalty"], "penalty_type": "fines"},
    {**GOOD["administrative_penalty"], "fine_amount_cny": None},
    {**GOOD["administrative_penalty"], "fine_amount_cny": "1,200.50"},
    {**GOOD["administrative_penalty"], "decision_date": "2025/03/18"},
    {**GOOD["administrative_penalty"], "authority": "a\x00b"},
    {**GOOD["administrative_penalty"], "subject_id": "not-an-id"},
    {k: v for k, v in GOOD["administrative_penalty"].items() if k != "severity"},
]


@pytest.mark.parametrize("row", BAD_FOR_SCHEMA)
def test_bad_rows_fail_their_schema(row: dict[str, object]) -> None:
    assert schema_errors(PENALTY.json_schema(), row) != []
    assert check("administrative_penalty", row).errors != []


def test_export_json_schemas(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    written = export_json_schemas(D, out)
    assert written == [out / f"{name}.schema.json" for name in D.types]
    for path, rt in zip(written, D.types.values(), strict=True):
        assert json.loads(path.read_text(encoding="utf-8")) == rt.json_schema()


# ---------------------------------------------------------------------------------------------
# Types used by the apps


def test_public_api_types() -> None:
    assert isinstance(D, Dictionary)
    assert all(isinstance(rt, RecordType) for rt in D.types.values())
    assert str(FieldError("x", "x is wrong")) == "x is wrong"
