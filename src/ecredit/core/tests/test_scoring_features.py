"""Point-in-time features: exact values from hand-built records, and no leakage from the future."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.core.scoring import FEATURES, RecordView, RelatedParty, compute_features
from ecredit.core.scoring.features import known_records

AS_OF = date(2026, 6, 30)


def rec(type_: str, occurred: str, received: str | None = None, **values: Any) -> RecordView:
    day = date.fromisoformat(occurred)
    return RecordView(type_, day, date.fromisoformat(received) if received else day, values)


def penalty(
    no: str, decided: str, severity: str, fine: str | None = None, kind: str = "fine"
) -> RecordView:
    values: dict[str, Any] = {
        "authority": "杭州市市场监督管理局",
        "decision_no": no,
        "decision_date": decided,
        "violation": "虚假宣传",
        "penalty_type": kind,
        "severity": severity,
    }
    if fine is not None:
        values["fine_amount_cny"] = fine
    return rec("administrative_penalty", decided, **values)


def metrics(store: str, month: str, orders: int, gmv: str, **rates: Any) -> RecordView:
    year, mon = int(month[:4]), int(month[5:])
    last = (date(year + mon // 12, mon % 12 + 1, 1) - timedelta(days=1)).isoformat()
    return rec(
        "store_metrics", last, subject_id=store, month=month, orders=orders, gmv_cny=gmv, **rates
    )


def scenario() -> list[RecordView]:
    """One enterprise with a record of every type, including some just outside each window."""
    return [
        rec(
            "registration",
            "2020-06-30",
            "2020-07-01",
            subject_id="91330100MA2XXXXX0A",
            established_on="2020-06-30",
            registered_capital_cny="5000000.00",
            status="active",
        ),
        rec(
            "administrative_license",
            "2022-01-01",
            authority="A",
            license_no="L1",
            status="valid",
            valid_until="2027-01-01",
        ),
        rec(
            "administrative_license",
            "2021-01-01",
            authority="A",
            license_no="L2",
            status="valid",
            valid_until="2026-06-29",
        ),
        rec(
            "administrative_license",
            "2019-01-01",
            "2025-01-10",
            authority="A",
            license_no="L3",
            status="revoked",
        ),
        penalty("P1", "2025-03-15", "general", "20000.00"),
        penalty("P2", "2023-08-01", "serious", "100000"),
        penalty("P3", "2026-05-01", "light", kind="warning"),
        penalty("P4", "2024-06-30", "general", "5000"),  # on the 24-month edge: outside
        rec(
            "abnormal_operation",
            "2024-01-01",
            authority="A",
            decision_no="Y1",
            removed_on="2024-06-01",
        ),
        rec("abnormal_operation", "2026-03-01", authority="A", decision_no="Y2"),
        rec(
            "serious_dishonesty_listing",
            "2022-01-01",
            authority="A",
            decision_no="S1",
            removed_on="2023-01-01",
        ),
        rec(
            "enforcement_record",
            "2025-10-01",
            court="C",
            case_no="E1",
            amount_cny="30000",
            dishonest=True,
            status="open",
        ),
        rec(
            "enforcement_record",
            "2025-11-01",
            court="C",
            case_no="E2",
            amount_cny="12345.67",
            dishonest=False,
            status="open",
        ),
        rec(
            "enforcement_record",
            "2024-11-01",
            court="C",
            case_no="E3",
            amount_cny="99999",
            dishonest=True,
            status="concluded",
            concluded_on="2025-01-01",
        ),
        rec(
            "court_judgment",
            "2024-01-01",
            court="C",
            case_no="J1",
            role="defendant",
            outcome="lost",
        ),
        rec(
            "court_judgment",
            "2025-05-05",
            court="C",
            case_no="J2",
            role="defendant",
            outcome="partial",
        ),
        rec(
            "court_judgment",
            "2025-05-06",
            court="C",
            case_no="J3",
            role="plaintiff",
            outcome="lost",
        ),
        rec(
            "court_judgment",
            "2023-06-01",
            court="C",
            case_no="J4",
            role="defendant",
            outcome="lost",
        ),
        rec("tax_credit_rating", "2024-12-31", "2025-04-01", subject_id="S", year=2024, rating="A"),
        rec("tax_credit_rating", "2025-12-31", "2026-04-15", subject_id="S", year=2025, rating="B"),
        rec(
            "customs_credit_rating",
            "2024-05-01",
            subject_id="S",
            rated_on="2024-05-01",
            rating="general",
        ),
        rec(
            "customs_credit_rating",
            "2025-11-01",
            subject_id="S",
            rated_on="2025-11-01",
            rating="advanced_certified",
        ),
        rec(
            "customs_declaration_summary",
            "2026-05-31",
            subject_id="S",
            month="2026-05",
            declarations=200,
            irregularities=1,
        ),
        rec(
            "customs_declaration_summary",
            "2025-07-31",
            subject_id="S",
            month="2025-07",
            declarations=300,
            irregularities=2,
        ),
        rec(
            "customs_declaration_summary",
            "2025-06-30",
            subject_id="S",
            month="2025-06",
            declarations=1000,
            irregularities=100,
        ),
        metrics(
            "store:xishi:1",
            "2026-06",
            1000,
            "100000.00",
            order_defect_rate=0.01,
            late_shipment_rate=0.02,
            cancellation_rate=0.01,
            valid_tracking_rate=0.99,
            refund_rate=0.05,
            rating_description=4.8,
            rating_service=4.6,
            rating_logistics=4.7,
        ),
        metrics(
            "store:xishi:1",
            "2026-01",
            500,
            "50000.00",
            order_defect_rate=0.02,
            late_shipment_rate=0.04,
            cancellation_rate=0.02,
            valid_tracking_rate=0.96,
            refund_rate=0.08,
            rating_description=4.5,
            rating_service=4.5,
            rating_logistics=4.5,
        ),
        metrics("store:dongfang:9", "2026-03", 500, "30000"),
        metrics("store:xishi:1", "2025-12", 1000, "120000", order_defect_rate=0.5),
        metrics("store:xishi:1", "2025-06", 2000, "250000"),
        rec("consumer_complaint", "2026-06-20", channel="12315", complaint_no="K1", status="open"),
        rec("consumer_complaint", "2026-01-10", channel="12315", complaint_no="K2", status="open"),
        rec(
            "consumer_complaint",
            "2025-09-01",
            channel="12315",
            complaint_no="K3",
            status="resolved",
        ),
        rec(
            "consumer_complaint",
            "2025-10-01",
            channel="12315",
            complaint_no="K4",
            status="rejected",
        ),
        rec("consumer_complaint", "2025-06-30", channel="12315", complaint_no="K5", status="open"),
        rec(
            "product_quality_inspection", "2024-01-01", authority="A", report_no="Q1", result="fail"
        ),
        rec(
            "product_quality_inspection", "2025-01-01", authority="A", report_no="Q2", result="pass"
        ),
        rec(
            "product_quality_inspection", "2026-01-01", authority="A", report_no="Q3", result="pass"
        ),
        rec(
            "product_quality_inspection", "2023-01-01", authority="A", report_no="Q4", result="fail"
        ),
        rec("honor_or_reward", "2024-01-01", authority="A", award_no="H1", kind="award"),
        rec(
            "honor_or_reward",
            "2024-01-01",
            authority="A",
            award_no="H2",
            kind="certification",
            valid_until="2026-06-29",
        ),
        rec(
            "honor_or_reward",
            "2025-01-01",
            authority="A",
            award_no="H3",
            kind="red_list",
            valid_until="2027-12-31",
        ),
        rec("honor_or_reward", "2023-06-30", authority="A", award_no="H4", kind="award"),
        rec(
            "credit_commitment", "2025-01-01", to_authority="A", commitment_no="M1", fulfilled=True
        ),
        rec(
            "credit_commitment", "2025-02-01", to_authority="A", commitment_no="M2", fulfilled=False
        ),
        rec("credit_commitment", "2025-03-01", to_authority="A", commitment_no="M3"),
        rec(
            "credit_commitment", "2023-01-01", to_authority="A", commitment_no="M4", fulfilled=False
        ),
    ]


RELATED = (
    RelatedParty("legal_representative", "X1", serious_dishonesty=True, grade="C"),
    RelatedParty("address", "X1", serious_dishonesty=True, grade="C"),
    RelatedParty("phone", "X2", serious_dishonesty=False, grade="B"),
    RelatedParty("phone", "X3", serious_dishonesty=False, grade="CCC"),
)

EXPECTED = {
    "years_since_established": 6.0,  # 2,191 days / 365.25, to 2 decimals
    "registered_capital_cny": 5000000.0,
    "is_active": 1.0,
    "registration_terminated": 0.0,
    "valid_licenses": 1.0,
    "licenses_revoked_36m": 1.0,
    "penalties_general_24m": 1.0,
    "penalties_serious_36m": 1.0,
    "fine_total_24m": 20000.0,
    "months_since_last_penalty": 15.0,
    "abnormal_operation_current": 1.0,
    "serious_dishonesty_current": 0.0,
    "dishonest_debtor_current": 1.0,
    "open_enforcement_amount": 42345.67,
    "court_lost_36m": 2.0,
    "tax_rating_latest": 3.0,
    "customs_rating_latest": 2.0,
    "customs_irregularity_rate_12m": 0.006,  # 3 / 500
    "order_defect_rate_6m": 0.013333,  # (0.01*1000 + 0.02*500) / 1500
    "late_shipment_rate_6m": 0.026667,
    "cancellation_rate_6m": 0.013333,
    "valid_tracking_rate_6m": 0.98,
    "refund_rate_6m": 0.06,
    "seller_rating_6m": 4.633333,  # mean of 4.7, 4.566667, 4.633333
    "gmv_12m": 300000.0,
    "gmv_growth_12m": 0.2,
    "complaints_per_1k_orders_12m": 1.0,  # 3 complaints / 3,000 orders
    "complaints_unresolved": 2.0,  # K2 and K5; K1 is within its 30 days
    "quality_fail_rate_36m": 0.333333,
    "honors_current": 1.0,
    "red_list_current": 1.0,
    "commitments_fulfilled": 1.0,
    "commitments_broken": 1.0,
    "related_serious_dishonesty": 1.0,
    "related_low_grade": 2.0,
}


def test_features_of_a_hand_built_archive_are_exact() -> None:
    assert compute_features(scenario(), AS_OF, RELATED) == EXPECTED


def test_every_feature_is_listed_once_with_labels_and_unit() -> None:
    keys = [spec.key for spec in FEATURES]
    assert keys == list(EXPECTED)
    assert len(set(keys)) == len(keys)
    assert all(spec.label_zh and spec.label_en and spec.unit for spec in FEATURES)


def test_no_records_gives_zero_counts_and_unknown_measures() -> None:
    features = compute_features([], AS_OF)
    unknown = {k for k, v in features.items() if v is None}
    assert unknown == {
        "years_since_established",
        "registered_capital_cny",
        "is_active",
        "registration_terminated",
        "tax_rating_latest",
        "customs_rating_latest",
        "customs_irregularity_rate_12m",
        "order_defect_rate_6m",
        "late_shipment_rate_6m",
        "cancellation_rate_6m",
        "valid_tracking_rate_6m",
        "refund_rate_6m",
        "seller_rating_6m",
        "gmv_12m",
        "gmv_growth_12m",
        "complaints_per_1k_orders_12m",
        "quality_fail_rate_36m",
    }
    assert features["months_since_last_penalty"] == 60.0
    assert {v for k, v in features.items() if k not in unknown} == {0.0, 60.0}


def test_a_later_version_replaces_an_earlier_one_only_from_when_it_was_received() -> None:
    listed = rec("abnormal_operation", "2026-03-01", "2026-03-02", authority="A", decision_no="Y9")
    removed = rec(
        "abnormal_operation",
        "2026-03-01",
        "2026-05-01",
        authority="A",
        decision_no="Y9",
        removed_on="2026-04-30",
    )
    assert compute_features([removed, listed], date(2026, 4, 15))["abnormal_operation_current"] == 1
    assert compute_features([removed, listed], date(2026, 5, 1))["abnormal_operation_current"] == 0


def test_registration_status_is_the_one_known_on_the_date() -> None:
    active = rec(
        "registration", "2020-01-01", subject_id="S", established_on="2020-01-01", status="active"
    )
    revoked = rec(
        "registration",
        "2020-01-01",
        "2026-07-10",
        subject_id="S",
        established_on="2020-01-01",
        status="revoked",
    )
    before = compute_features([active, revoked], AS_OF)
    after = compute_features([active, revoked], date(2026, 7, 10))
    assert (before["is_active"], before["registration_terminated"]) == (1.0, 0.0)
    assert (after["is_active"], after["registration_terminated"]) == (0.0, 1.0)


def test_records_without_a_natural_key_are_never_merged() -> None:
    a = rec("store_metrics", "2026-05-31", month="2026-05", orders=100, gmv_cny="10")
    b = rec("store_metrics", "2026-05-31", month="2026-05", orders=300, gmv_cny="30")
    assert compute_features([a, b], AS_OF)["gmv_12m"] == 40.0


def test_monthly_windows_use_the_last_complete_month() -> None:
    records = [
        metrics("store:x:1", "2026-05", 100, "1000", refund_rate=0.1),
        metrics("store:x:1", "2025-12", 100, "1000", refund_rate=0.3),
        metrics("store:x:1", "2025-11", 100, "1000", refund_rate=0.9),
    ]
    # On 15 June the last complete month is May: the 6 months are December to May.
    assert compute_features(records, date(2026, 6, 15))["refund_rate_6m"] == 0.2
    # On 30 June it is June: January to June, so only May counts.
    assert compute_features(records, date(2026, 6, 30))["refund_rate_6m"] == 0.1


def test_penalty_windows_and_the_months_since_the_last_one() -> None:
    records = [
        penalty("P1", "2024-07-01", "general", "100"),  # just inside 24 months
        penalty("P2", "2023-07-01", "serious"),  # just inside 36 months
        penalty("P3", "2023-06-30", "serious"),  # just outside
        penalty("P4", "2026-01-31", "light", "50", kind="fine"),
    ]
    features = compute_features(records, AS_OF)
    assert features["penalties_general_24m"] == 1.0
    assert features["penalties_serious_36m"] == 1.0
    assert features["fine_total_24m"] == 150.0
    assert features["months_since_last_penalty"] == 23.0  # light penalties do not count here


def test_licence_revocation_by_penalty_counts_as_revoked() -> None:
    records = [penalty("P1", "2025-01-01", "serious", kind="license_revocation")]
    assert compute_features(records, AS_OF)["licenses_revoked_36m"] == 1.0


def test_record_order_does_not_matter() -> None:
    records = scenario()
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    assert compute_features(shuffled, AS_OF, RELATED) == compute_features(records, AS_OF, RELATED)


# ------------------------------------------------------------------------------- leakage

DAYS = st.integers(min_value=-1500, max_value=400).map(lambda d: AS_OF + timedelta(days=d))


@st.composite
def any_record(draw: st.DrawFn) -> RecordView:
    """A record of a type that feeds features, happening and arriving around AS_OF."""
    occurred = draw(DAYS)
    received = occurred + timedelta(days=draw(st.integers(min_value=0, max_value=90)))
    no = draw(st.sampled_from(["1", "2", "3"]))
    kind = draw(
        st.sampled_from(["penalty", "abnormal", "enforcement", "store", "complaint", "reg"])
    )
    if kind == "penalty":
        values: dict[str, Any] = {
            "authority": "A",
            "decision_no": no,
            "severity": draw(st.sampled_from(["light", "general", "serious"])),
            "penalty_type": draw(st.sampled_from(["fine", "warning", "license_revocation"])),
            "fine_amount_cny": str(draw(st.integers(0, 10**6))),
        }
        return RecordView("administrative_penalty", occurred, received, values)
    if kind == "abnormal":
        values = {"authority": "A", "decision_no": no}
        if draw(st.booleans()):
            values["removed_on"] = (
                occurred + timedelta(days=draw(st.integers(0, 400)))
            ).isoformat()
        return RecordView("abnormal_operation", occurred, received, values)
    if kind == "enforcement":
        values = {
            "court": "C",
            "case_no": no,
            "amount_cny": str(draw(st.integers(0, 10**6))),
            "dishonest": draw(st.booleans()),
            "status": draw(st.sampled_from(["open", "concluded"])),
        }
        return RecordView("enforcement_record", occurred, received, values)
    if kind == "store":
        month = f"{occurred.year:04d}-{occurred.month:02d}"
        values = {
            "subject_id": "store:x:" + no,
            "month": month,
            "orders": draw(st.integers(0, 5000)),
            "gmv_cny": str(draw(st.integers(0, 10**6))),
            "order_defect_rate": draw(st.floats(0, 1)),
            "rating_service": draw(st.floats(1, 5)),
        }
        return RecordView("store_metrics", occurred, received, values)
    if kind == "complaint":
        values = {
            "channel": "12315",
            "complaint_no": no,
            "status": draw(st.sampled_from(["open", "resolved", "rejected"])),
        }
        return RecordView("consumer_complaint", occurred, received, values)
    values = {
        "subject_id": "S",
        "established_on": occurred.isoformat(),
        "status": draw(st.sampled_from(["active", "revoked", "cancelled"])),
        "registered_capital_cny": str(draw(st.integers(0, 10**8))),
    }
    return RecordView("registration", occurred, received, values)


@settings(max_examples=200, deadline=None)
@given(st.lists(any_record(), max_size=25))
def test_records_not_known_on_the_date_change_nothing(records: list[RecordView]) -> None:
    known = [r for r in records if r.occurred_on <= AS_OF and r.received_on <= AS_OF]
    assert compute_features(records, AS_OF) == compute_features(known, AS_OF)


@settings(max_examples=100, deadline=None)
@given(st.lists(any_record(), max_size=15), st.data())
def test_adding_a_future_record_changes_nothing(
    records: list[RecordView], data: st.DataObject
) -> None:
    base = compute_features(records, AS_OF)
    future = data.draw(
        any_record().filter(lambda r: r.occurred_on > AS_OF or r.received_on > AS_OF)
    )
    assert compute_features([*records, future], AS_OF) == base


def test_future_occurring_and_future_received_records_change_nothing() -> None:
    base = scenario()
    future = [
        penalty("F1", "2026-07-01", "serious", "1000000"),  # happens after the date
        rec(  # happened before, but we learnt of it after
            "serious_dishonesty_listing",
            "2026-06-01",
            "2026-07-02",
            authority="A",
            decision_no="F2",
        ),
        rec(  # a correction received after the date
            "registration",
            "2020-06-30",
            "2026-07-05",
            subject_id="91330100MA2XXXXX0A",
            established_on="2020-06-30",
            registered_capital_cny="1.00",
            status="revoked",
        ),
    ]
    assert compute_features([*base, *future], AS_OF, RELATED) == EXPECTED


def test_known_records_keeps_the_latest_version_received() -> None:
    v1 = rec(
        "enforcement_record", "2025-01-01", "2025-01-02", court="C", case_no="E", status="open"
    )
    v2 = rec(
        "enforcement_record", "2025-01-01", "2025-03-01", court="C", case_no="E", status="concluded"
    )
    assert known_records([v2, v1], date(2025, 2, 1)) == [v1]
    assert known_records([v2, v1], date(2025, 3, 1)) == [v2]


def test_every_record_type_has_its_natural_key_for_the_scoring_features() -> None:
    from ecredit.core.dictionary import load_dictionary
    from ecredit.core.scoring.features import NATURAL_KEYS

    d = load_dictionary()
    assert {n: t.natural_key for n, t in d.types.items()} == NATURAL_KEYS
