"""The CSV headers of each record type, in the order of docs/data-dictionary.md.

The test suite checks these against the dictionary's `csv_headers()`; they are repeated here so
that generating a population does not need the dictionary loaded.
"""

from __future__ import annotations

HEADERS: dict[str, tuple[str, ...]] = {
    "registration": (
        "subject_id",
        "name",
        "name_en",
        "entity_type",
        "legal_representative",
        "registered_capital_cny",
        "established_on",
        "region_code",
        "address",
        "phone",
        "business_scope",
        "status",
        "ecommerce_roles",
    ),
    "administrative_license": (
        "subject_id",
        "license_no",
        "license_name",
        "authority",
        "issued_on",
        "valid_until",
        "status",
    ),
    "administrative_penalty": (
        "subject_id",
        "decision_no",
        "decision_date",
        "authority",
        "violation",
        "penalty_type",
        "fine_amount_cny",
        "severity",
        "legal_basis",
    ),
    "abnormal_operation": (
        "subject_id",
        "decision_no",
        "listed_on",
        "authority",
        "reason",
        "removed_on",
        "removal_reason",
    ),
    "serious_dishonesty_listing": (
        "subject_id",
        "decision_no",
        "listed_on",
        "authority",
        "reason",
        "removed_on",
    ),
    "court_judgment": (
        "subject_id",
        "case_no",
        "court",
        "judgment_date",
        "cause",
        "role",
        "amount_cny",
        "outcome",
    ),
    "enforcement_record": (
        "subject_id",
        "case_no",
        "court",
        "filed_on",
        "amount_cny",
        "dishonest",
        "status",
        "concluded_on",
    ),
    "tax_credit_rating": ("subject_id", "year", "rating", "authority"),
    "customs_credit_rating": ("subject_id", "rating", "rated_on", "authority", "customs_code"),
    "customs_declaration_summary": (
        "subject_id",
        "month",
        "declarations",
        "export_value_usd",
        "import_value_usd",
        "inspected",
        "irregularities",
        "returned_parcels",
    ),
    "store_metrics": (
        "subject_id",
        "month",
        "operator_id",
        "store_name",
        "orders",
        "gmv_cny",
        "refund_rate",
        "late_shipment_rate",
        "cancellation_rate",
        "valid_tracking_rate",
        "order_defect_rate",
        "rating_description",
        "rating_service",
        "rating_logistics",
        "complaints",
    ),
    "consumer_complaint": (
        "subject_id",
        "complaint_no",
        "received_on",
        "channel",
        "category",
        "amount_cny",
        "cross_border",
        "status",
        "resolved_on",
        "summary",
    ),
    "product_quality_inspection": (
        "subject_id",
        "report_no",
        "inspected_on",
        "authority",
        "product",
        "result",
        "defect",
    ),
    "inspection_result": (
        "subject_id",
        "plan_id",
        "inspected_on",
        "authority",
        "result",
        "findings",
        "inspectors",
    ),
    "honor_or_reward": (
        "subject_id",
        "award_no",
        "awarded_on",
        "authority",
        "title",
        "kind",
        "level",
        "valid_until",
    ),
    "credit_commitment": (
        "subject_id",
        "commitment_no",
        "made_on",
        "to_authority",
        "kind",
        "content",
        "fulfilled",
    ),
}


def make_row(type_name: str, values: dict[str, str]) -> dict[str, str]:
    """A full row of `type_name`: every header present, missing values as ""."""
    headers = HEADERS[type_name]
    row = dict.fromkeys(headers, "")
    row.update(values)
    if len(row) != len(headers):
        unknown = sorted(set(values) - set(headers))
        raise KeyError(f"{type_name} has no field(s) {', '.join(unknown)}")
    return row
