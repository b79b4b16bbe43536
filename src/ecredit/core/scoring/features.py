"""Point-in-time features of one subject, computed only from what was known on the evaluation date.

A record counts when it happened on or before `as_of` and was received on or before `as_of`.
Windows such as "24m" cover the dates after the same day 24 months earlier up to `as_of`;
monthly records (store metrics, customs declarations) use the last complete calendar months.
A feature is None when the records say nothing about it (no registration, no store metrics);
a count with no matching records is 0, because the absence of adverse records is information.
"""

from __future__ import annotations

import calendar
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ecredit.core.scoring.records import RecordView, RelatedParty

Features = dict[str, float | None]


class FeatureSpec(NamedTuple):
    """One feature: its key, labels and unit."""

    key: str
    label_zh: str
    label_en: str
    unit: str


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("years_since_established", "成立年限", "Years since established", "years"),
    FeatureSpec("registered_capital_cny", "注册资本", "Registered capital", "CNY"),
    FeatureSpec("is_active", "登记状态为存续", "Registration status active", "flag"),
    FeatureSpec(
        "registration_terminated",
        "被吊销或已注销",
        "Registration revoked or cancelled",
        "flag",
    ),
    FeatureSpec("valid_licenses", "有效行政许可数", "Valid administrative licences", "count"),
    FeatureSpec(
        "licenses_revoked_36m", "近36个月许可被吊销次数", "Licence revocations, 36 months", "count"
    ),
    FeatureSpec(
        "penalties_general_24m",
        "近24个月一般行政处罚数",
        "General administrative penalties, 24 months",
        "count",
    ),
    FeatureSpec(
        "penalties_serious_36m",
        "近36个月严重行政处罚数",
        "Serious administrative penalties, 36 months",
        "count",
    ),
    FeatureSpec("fine_total_24m", "近24个月罚款总额", "Fines in total, 24 months", "CNY"),
    FeatureSpec(
        "months_since_last_penalty",
        "距最近一次行政处罚月数（最多60）",
        "Months since the last administrative penalty (at most 60)",
        "months",
    ),
    FeatureSpec(
        "abnormal_operation_current",
        "当前经营异常名录记录数",
        "Current abnormal-operation listings",
        "count",
    ),
    FeatureSpec(
        "serious_dishonesty_current",
        "当前严重失信主体名单记录数",
        "Current serious-dishonesty listings",
        "count",
    ),
    FeatureSpec(
        "dishonest_debtor_current",
        "当前失信被执行记录数",
        "Current dishonest-debtor enforcement cases",
        "count",
    ),
    FeatureSpec("open_enforcement_amount", "未结执行标的金额", "Open enforcement amount", "CNY"),
    FeatureSpec(
        "court_lost_36m",
        "近36个月作为被告败诉数",
        "Court cases lost as defendant, 36 months",
        "count",
    ),
    FeatureSpec(
        "tax_rating_latest",
        "最近纳税信用等级（A=4…D=0）",
        "Latest tax credit rating (A=4 … D=0)",
        "ordinal",
    ),
    FeatureSpec(
        "customs_rating_latest",
        "最近海关信用等级（高级认证=2，一般=1，失信=0）",
        "Latest customs credit rating (advanced certified=2, general=1, dishonest=0)",
        "ordinal",
    ),
    FeatureSpec(
        "customs_irregularity_rate_12m",
        "近12个月报关差错率",
        "Customs irregularity rate, 12 months",
        "rate",
    ),
    FeatureSpec("order_defect_rate_6m", "近6个月订单缺陷率", "Order defect rate, 6 months", "rate"),
    FeatureSpec(
        "late_shipment_rate_6m", "近6个月延迟发货率", "Late shipment rate, 6 months", "rate"
    ),
    FeatureSpec("cancellation_rate_6m", "近6个月订单取消率", "Cancellation rate, 6 months", "rate"),
    FeatureSpec(
        "valid_tracking_rate_6m", "近6个月有效物流追踪率", "Valid tracking rate, 6 months", "rate"
    ),
    FeatureSpec("refund_rate_6m", "近6个月退款率", "Refund rate, 6 months", "rate"),
    FeatureSpec(
        "seller_rating_6m",
        "近6个月店铺评分（描述、服务、物流均值）",
        "Seller rating, 6 months (mean of description, service, logistics)",
        "score_1_5",
    ),
    FeatureSpec("gmv_12m", "近12个月交易额", "Gross merchandise value, 12 months", "CNY"),
    FeatureSpec(
        "gmv_growth_12m",
        "近12个月交易额同比增长",
        "GMV growth over the previous 12 months",
        "ratio",
    ),
    FeatureSpec(
        "complaints_per_1k_orders_12m",
        "近12个月每千单投诉数",
        "Complaints per 1,000 orders, 12 months",
        "per_1k_orders",
    ),
    FeatureSpec(
        "complaints_unresolved",
        "超过30天未办结投诉数",
        "Complaints open for more than 30 days",
        "count",
    ),
    FeatureSpec(
        "quality_fail_rate_36m",
        "近36个月产品质量抽检不合格率",
        "Product quality inspection failure rate, 36 months",
        "rate",
    ),
    FeatureSpec("honors_current", "有效荣誉、奖励与认证数", "Current honours and awards", "count"),
    FeatureSpec("red_list_current", "有效守信红名单数", "Current red-list entries", "count"),
    FeatureSpec(
        "commitments_fulfilled",
        "近36个月已履行信用承诺数",
        "Credit commitments fulfilled, 36 months",
        "count",
    ),
    FeatureSpec(
        "commitments_broken",
        "近36个月未履行信用承诺数",
        "Credit commitments not fulfilled, 36 months",
        "count",
    ),
    FeatureSpec(
        "related_serious_dishonesty",
        "关联方严重失信数",
        "Related parties on the serious-dishonesty list",
        "count",
    ),
    FeatureSpec(
        "related_low_grade",
        "关联方低等级（CCC及以下）数",
        "Related parties graded CCC or below",
        "count",
    ),
)
FEATURE_KEYS: frozenset[str] = frozenset(spec.key for spec in FEATURES)

# Natural keys of the record types (docs/data-dictionary.md), used to keep one version per record.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "registration": ("subject_id",),
    "administrative_license": ("authority", "license_no"),
    "administrative_penalty": ("authority", "decision_no"),
    "abnormal_operation": ("authority", "decision_no"),
    "serious_dishonesty_listing": ("authority", "decision_no"),
    "court_judgment": ("court", "case_no"),
    "enforcement_record": ("court", "case_no"),
    "tax_credit_rating": ("subject_id", "year"),
    "customs_credit_rating": ("subject_id", "rated_on"),
    "customs_declaration_summary": ("subject_id", "month"),
    "store_metrics": ("subject_id", "month"),
    "consumer_complaint": ("channel", "complaint_no"),
    "product_quality_inspection": ("authority", "report_no"),
    "honor_or_reward": ("authority", "award_no"),
    "credit_commitment": ("to_authority", "commitment_no"),
    "inspection_result": ("plan_id", "subject_id"),  # read by no feature yet
}

TAX_RATING_ORDINAL = {"A": 4.0, "B": 3.0, "M": 2.0, "C": 1.0, "D": 0.0}
CUSTOMS_RATING_ORDINAL = {"advanced_certified": 2.0, "general": 1.0, "dishonest": 0.0}
LOW_GRADES = frozenset({"CCC", "CC", "C"})
MONTHS_SINCE_PENALTY_CAP = 60
COMPLAINT_GRACE_DAYS = 30
DSR_FIELDS = ("rating_description", "rating_service", "rating_logistics")


def compute_features(
    records: Iterable[RecordView], as_of: date, related: Sequence[RelatedParty] = ()
) -> Features:
    """Every feature in FEATURES, as of `as_of`, from the records known then."""
    by_type: dict[str, list[RecordView]] = defaultdict(list)
    for record in known_records(records, as_of):
        by_type[record.type].append(record)
    ctx = _Context(as_of, by_type)
    out: Features = {}
    out.update(_registration(ctx))
    out.update(_licences(ctx))
    out.update(_penalties(ctx))
    out.update(_listings_and_courts(ctx))
    out.update(_ratings(ctx))
    out.update(_store_metrics(ctx))
    out.update(_complaints_quality(ctx))
    out.update(_rewards(ctx))
    out.update(_related(related))
    return {spec.key: _tidy(out[spec.key]) for spec in FEATURES}


def known_records(records: Iterable[RecordView], as_of: date) -> list[RecordView]:
    """The records known on `as_of`: one version per natural key, the latest received by then.

    A record that lacks a natural-key field is kept on its own (never merged with another).
    """
    latest: dict[tuple[Any, ...], RecordView] = {}
    loose: list[RecordView] = []
    for record in records:
        if record.occurred_on > as_of or record.received_on > as_of:
            continue
        key = _natural_key(record)
        if key is None:
            loose.append(record)
            continue
        seen = latest.get(key)
        if seen is None or _version_order(record) > _version_order(seen):
            latest[key] = record
    return sorted([*latest.values(), *loose], key=_version_order)


def _natural_key(record: RecordView) -> tuple[Any, ...] | None:
    fields = NATURAL_KEYS.get(record.type)
    if not fields:
        return None
    parts = [record.values.get(f) for f in fields]
    if any(p is None or p == "" for p in parts):
        return None
    return (record.type, *(str(p) for p in parts))


def _version_order(record: RecordView) -> tuple[date, date, str, str]:
    canonical = json.dumps(dict(record.values), sort_keys=True, default=str, ensure_ascii=False)
    return (record.received_on, record.occurred_on, record.type, canonical)


class _Context:
    """The evaluation date, its windows, and the known records by type."""

    def __init__(self, as_of: date, by_type: Mapping[str, list[RecordView]]) -> None:
        self.as_of = as_of
        self.by_type = by_type
        # The last complete calendar month on as_of.
        end = _month_index(as_of)
        self.end_month = end if (as_of + timedelta(days=1)).month != as_of.month else end - 1

    def of(self, type_name: str) -> list[RecordView]:
        return self.by_type.get(type_name, [])

    def within(self, record: RecordView, months: int) -> bool:
        """Whether the record happened in the last `months` months (after the same day then)."""
        return record.occurred_on > _shift_months(self.as_of, -months)

    def month_of(self, record: RecordView) -> int:
        month = _parse_month(record.values.get("month"))
        return month if month is not None else _month_index(record.occurred_on)

    def in_months(self, record: RecordView, first_back: int, last_back: int) -> bool:
        """Whether a monthly record falls between `last_back` and `first_back` months before the end."""
        index = self.month_of(record)
        return self.end_month - last_back <= index <= self.end_month - first_back


def _registration(ctx: _Context) -> Features:
    regs = ctx.of("registration")
    if not regs:
        return dict.fromkeys(
            (
                "years_since_established",
                "registered_capital_cny",
                "is_active",
                "registration_terminated",
            )
        )
    reg = regs[-1]  # known_records sorts by version order: the last is the latest received
    established = _date(reg.values.get("established_on")) or reg.occurred_on
    years = max(0, (ctx.as_of - established).days) / 365.25
    status = reg.values.get("status")
    return {
        "years_since_established": round(years, 2),
        "registered_capital_cny": _num(reg.values.get("registered_capital_cny")),
        "is_active": None if not status else float(status == "active"),
        "registration_terminated": None
        if not status
        else float(status in ("revoked", "cancelled")),
    }


def _licences(ctx: _Context) -> Features:
    valid = 0
    revoked = 0
    for r in ctx.of("administrative_license"):
        status = r.values.get("status")
        until = _date(r.values.get("valid_until"))
        if status == "valid" and (until is None or until >= ctx.as_of):
            valid += 1
        # A licence record has no revocation date; the version saying so was received then.
        if status == "revoked" and r.received_on > _shift_months(ctx.as_of, -36):
            revoked += 1
    for r in ctx.of("administrative_penalty"):
        if r.values.get("penalty_type") == "license_revocation" and ctx.within(r, 36):
            revoked += 1
    return {"valid_licenses": float(valid), "licenses_revoked_36m": float(revoked)}


def _penalties(ctx: _Context) -> Features:
    general = serious = 0
    fines = Decimal(0)
    last: date | None = None
    for r in ctx.of("administrative_penalty"):
        severity = r.values.get("severity")
        if ctx.within(r, 24):
            fines += _dec(r.values.get("fine_amount_cny")) or Decimal(0)
            if severity == "general":
                general += 1
        if severity == "serious" and ctx.within(r, 36):
            serious += 1
        if severity in ("general", "serious") and (last is None or r.occurred_on > last):
            last = r.occurred_on
    months = MONTHS_SINCE_PENALTY_CAP
    if last is not None:
        months = min(months, _whole_months(last, ctx.as_of))
    return {
        "penalties_general_24m": float(general),
        "penalties_serious_36m": float(serious),
        "fine_total_24m": float(fines),
        "months_since_last_penalty": float(months),
    }


def _listings_and_courts(ctx: _Context) -> Features:
    def current(type_name: str) -> int:
        count = 0
        for r in ctx.of(type_name):
            removed = _date(r.values.get("removed_on"))
            if removed is None or removed > ctx.as_of:
                count += 1
        return count

    debtor = 0
    open_amount = Decimal(0)
    for r in ctx.of("enforcement_record"):
        concluded = _date(r.values.get("concluded_on"))
        if r.values.get("status") != "open" or (concluded is not None and concluded <= ctx.as_of):
            continue
        open_amount += _dec(r.values.get("amount_cny")) or Decimal(0)
        if _bool(r.values.get("dishonest")):
            debtor += 1
    lost = sum(
        1
        for r in ctx.of("court_judgment")
        if ctx.within(r, 36)
        and r.values.get("role") == "defendant"
        and r.values.get("outcome") in ("lost", "partial")
    )
    return {
        "abnormal_operation_current": float(current("abnormal_operation")),
        "serious_dishonesty_current": float(current("serious_dishonesty_listing")),
        "dishonest_debtor_current": float(debtor),
        "open_enforcement_amount": float(open_amount),
        "court_lost_36m": float(lost),
    }


def _ratings(ctx: _Context) -> Features:
    tax = max(
        ctx.of("tax_credit_rating"),
        key=lambda r: (_num(r.values.get("year")) or 0.0, r.occurred_on, r.received_on),
        default=None,
    )
    customs = max(
        ctx.of("customs_credit_rating"),
        key=lambda r: (r.occurred_on, r.received_on),
        default=None,
    )
    declarations = [r for r in ctx.of("customs_declaration_summary") if ctx.in_months(r, 0, 11)]
    total = math.fsum(_num(r.values.get("declarations")) or 0.0 for r in declarations)
    irregular = math.fsum(_num(r.values.get("irregularities")) or 0.0 for r in declarations)
    return {
        "tax_rating_latest": None
        if tax is None
        else TAX_RATING_ORDINAL.get(str(tax.values.get("rating"))),
        "customs_rating_latest": None
        if customs is None
        else CUSTOMS_RATING_ORDINAL.get(str(customs.values.get("rating"))),
        "customs_irregularity_rate_12m": irregular / total if total > 0 else None,
    }


def _store_metrics(ctx: _Context) -> Features:
    metrics = ctx.of("store_metrics")
    last6 = [r for r in metrics if ctx.in_months(r, 0, 5)]
    last12 = [r for r in metrics if ctx.in_months(r, 0, 11)]
    prev12 = [r for r in metrics if ctx.in_months(r, 12, 23)]
    dsr = [_weighted(last6, f) for f in DSR_FIELDS]
    dsr_known = [v for v in dsr if v is not None]
    gmv = _gmv(last12)
    prev_gmv = _gmv(prev12)
    growth = None
    if prev_gmv is not None and prev_gmv > 0:
        growth = (gmv or 0.0) / prev_gmv - 1.0
    return {
        "order_defect_rate_6m": _weighted(last6, "order_defect_rate"),
        "late_shipment_rate_6m": _weighted(last6, "late_shipment_rate"),
        "cancellation_rate_6m": _weighted(last6, "cancellation_rate"),
        "valid_tracking_rate_6m": _weighted(last6, "valid_tracking_rate"),
        "refund_rate_6m": _weighted(last6, "refund_rate"),
        "seller_rating_6m": math.fsum(dsr_known) / len(dsr_known) if dsr_known else None,
        "gmv_12m": gmv,
        "gmv_growth_12m": growth,
    }


def _weighted(records: Sequence[RecordView], field: str) -> float | None:
    """The orders-weighted mean of a per-month value; None without orders that report it."""
    pairs = []
    for r in records:
        value = _num(r.values.get(field))
        orders = _num(r.values.get("orders"))
        if value is not None and orders is not None and orders > 0:
            pairs.append((value, orders))
    weight = math.fsum(o for _, o in pairs)
    if weight <= 0:
        return None
    return math.fsum(v * o for v, o in pairs) / weight


def _gmv(records: Sequence[RecordView]) -> float | None:
    amounts = [a for a in (_dec(r.values.get("gmv_cny")) for r in records) if a is not None]
    return float(sum(amounts, Decimal(0))) if amounts else None


def _complaints_quality(ctx: _Context) -> Features:
    orders = math.fsum(
        _num(r.values.get("orders")) or 0.0
        for r in ctx.of("store_metrics")
        if ctx.in_months(r, 0, 11)
    )
    complaints = ctx.of("consumer_complaint")
    counted = sum(
        1 for r in complaints if ctx.within(r, 12) and r.values.get("status") != "rejected"
    )
    overdue = ctx.as_of - timedelta(days=COMPLAINT_GRACE_DAYS)
    unresolved = sum(
        1 for r in complaints if r.values.get("status") == "open" and r.occurred_on < overdue
    )
    inspections = [r for r in ctx.of("product_quality_inspection") if ctx.within(r, 36)]
    failed = sum(1 for r in inspections if r.values.get("result") == "fail")
    return {
        "complaints_per_1k_orders_12m": counted * 1000 / orders if orders > 0 else None,
        "complaints_unresolved": float(unresolved),
        "quality_fail_rate_36m": failed / len(inspections) if inspections else None,
    }


def _rewards(ctx: _Context) -> Features:
    honors = red = 0
    for r in ctx.of("honor_or_reward"):
        until = _date(r.values.get("valid_until"))
        # Without an end date an honour counts for three years after it was awarded.
        valid = until >= ctx.as_of if until is not None else ctx.within(r, 36)
        if not valid:
            continue
        if r.values.get("kind") == "red_list":
            red += 1
        else:
            honors += 1
    fulfilled = broken = 0
    for r in ctx.of("credit_commitment"):
        if not ctx.within(r, 36):
            continue
        state = _bool(r.values.get("fulfilled"))
        if state is True:
            fulfilled += 1
        elif state is False:  # absent means not yet assessed
            broken += 1
    return {
        "honors_current": float(honors),
        "red_list_current": float(red),
        "commitments_fulfilled": float(fulfilled),
        "commitments_broken": float(broken),
    }


def _related(related: Sequence[RelatedParty]) -> Features:
    dishonest = {p.subject_id for p in related if p.serious_dishonesty}
    low = {p.subject_id for p in related if p.grade in LOW_GRADES}
    return {
        "related_serious_dishonesty": float(len(dishonest)),
        "related_low_grade": float(len(low)),
    }


def _tidy(value: float | None) -> float | None:
    """Round to 6 decimals so stored features do not carry float noise."""
    if value is None:
        return None
    rounded = round(float(value), 6)
    return rounded + 0.0  # no negative zero


def _num(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    dec = _dec(value)
    return None if dec is None else float(dec)


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return dec if dec.is_finite() else None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", "是"):
            return True
        if lowered in ("false", "0", "no", "否"):
            return False
    return None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _parse_month(value: Any) -> int | None:
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        return None
    try:
        year, month = int(value[:4]), int(value[5:])
    except ValueError:
        return None
    return year * 12 + month - 1 if 1 <= month <= 12 else None


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _shift_months(day: date, months: int) -> date:
    index = _month_index(day) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)
