"""What the demo platforms send through the API: monthly store metrics and consumer complaints."""

from __future__ import annotations

import math
from datetime import timedelta

from ecredit.core.synth.actors import Actor, Store
from ecredit.core.synth.sim import (
    NORMALS,
    PLATFORM_PROVIDERS,
    Simulation,
    last_day,
    money,
    month_label,
    sigmoid,
)
from ecredit.core.synth.vocab import COMPLAINT_SUMMARIES

# Shopping festivals move orders: Singles' Day (11), 618 (6), Spring Festival lull (1-2).
_SEASON = {1: 0.9, 2: 0.75, 6: 1.25, 11: 1.6, 12: 1.1}
_PREFIX = {"xishi": "XS", "dongfang": "DF", "zhibo": "ZB"}
_CATEGORIES = (
    "quality",
    "false_advertising",
    "refund",
    "delivery",
    "counterfeit",
    "privacy",
    "other",
)


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def store_month(sim: Simulation, a: Actor, store: Store, month: int, lt: float) -> None:
    """One month of one store: its metrics row and the complaints the platform handled."""
    rnd = sim.rng.random
    exp = math.exp
    q = sigmoid(lt)
    age = month - store.opened
    ramp = 1.0 if age >= 6 else 0.35 + 0.11 * age
    season = _SEASON.get(month % 12 + 1, 1.0)
    orders = sim.poisson(
        a.size * store.share * season * ramp * exp(0.25 * NORMALS[int(rnd() * 4096)])
    )
    complaints = _complaints(sim, a, store, month, orders, q) if orders else 0
    ticket = a.industry.ticket_cny
    row = {
        "subject_id": store.subject_id,
        "month": month_label(month),
        "operator_id": a.ent.subject_id,
        "store_name": store.name,
        "orders": str(orders),
        "gmv_cny": f"{orders * ticket * exp(0.15 * NORMALS[int(rnd() * 4096)]):.2f}",
        "refund_rate": "",
        "late_shipment_rate": "",
        "cancellation_rate": "",
        "valid_tracking_rate": "",
        "order_defect_rate": "",
        "rating_description": "",
        "rating_service": "",
        "rating_logistics": "",
        "complaints": str(complaints + sim.poisson(0.5 * complaints + orders * 0.0002)),
    }
    if orders >= 5:
        # small stores' rates swing more from month to month
        noise = 0.12 + 1.5 / math.sqrt(orders)
        star = 0.03 + noise / 4
        jitter = [noise * NORMALS[int(rnd() * 4096)] for _ in range(5)]
        row["refund_rate"] = (
            f"{min(1.0, (0.012 + a.industry.refund_bias + 0.12 * q) * exp(jitter[0])):.4f}"
        )
        row["late_shipment_rate"] = f"{min(1.0, (0.008 + 0.09 * q**1.2) * exp(jitter[1])):.4f}"
        row["cancellation_rate"] = f"{min(1.0, (0.004 + 0.045 * q) * exp(jitter[2])):.4f}"
        row["order_defect_rate"] = f"{min(1.0, (0.002 + 0.035 * q**1.5) * exp(jitter[3])):.4f}"
        row["rating_description"] = (
            f"{_clamp(4.88 - 1.1 * q + star * NORMALS[int(rnd() * 4096)], 1.0, 5.0):.2f}"
        )
        row["rating_service"] = (
            f"{_clamp(4.86 - 1.0 * q + star * NORMALS[int(rnd() * 4096)], 1.0, 5.0):.2f}"
        )
        if store.platform != "zhibo":  # a livestream platform has no logistics rating
            row["rating_logistics"] = (
                f"{_clamp(4.84 - 0.5 * q + star * NORMALS[int(rnd() * 4096)], 1.0, 5.0):.2f}"
            )
        if store.platform != "dongfang":  # 东方购 does not track parcels
            row["valid_tracking_rate"] = (
                f"{max(0.0, 1.0 - (0.004 + 0.07 * q) * exp(jitter[4])):.4f}"
            )
    sim.emit_row(PLATFORM_PROVIDERS[store.platform], "store_metrics", row, last_day(month))


def _complaints(sim: Simulation, a: Actor, store: Store, month: int, orders: int, q: float) -> int:
    """Complaints escalated to the platform this month, each sent as a record; returns how many."""
    n = sim.poisson(min(orders * (0.00005 + 0.0012 * q**1.3), 12.0))
    if not n:
        return 0
    rng = sim.rng
    provider = PLATFORM_PROVIDERS[store.platform]
    weights = (
        0.25 * (1 + q),
        0.12 * (1 + 2 * q) * (2.0 if store.platform == "zhibo" else 1.0),
        0.25,
        0.18,
        0.04 * (1 + 5 * q),
        0.02,
        0.1,
    )
    for _ in range(n):
        day = sim.day_in(month)
        category = rng.choices(_CATEGORIES, weights=weights)[0]
        seq = sim.number("complaint", store.platform, day.isoformat(), first=(1, 50), step=40)
        done = day + timedelta(days=rng.randint(1, 6) + int(rng.expovariate(1.0) * 20 * q))
        final = rng.choices(
            ("resolved", "mediated", "rejected"), weights=(0.6, 0.3, 0.1 + 0.2 * q)
        )[0]
        sent_on = sim.due(provider, "consumer_complaint", day)
        row = {
            "subject_id": store.subject_id,
            "complaint_no": f"{_PREFIX[store.platform]}{day:%Y%m%d}{seq:06d}",
            "received_on": day.isoformat(),
            "channel": "platform",
            "category": category,
            "amount_cny": money(a.industry.ticket_cny * math.exp(sim.normal(0.0, 0.5)))
            if rng.random() < 0.9
            else "",
            "cross_border": "true" if store.cross_border else "false",
            "status": final if done <= sent_on else "open",
            "resolved_on": done.isoformat() if done <= sent_on and final != "rejected" else "",
            "summary": rng.choice(COMPLAINT_SUMMARIES[category]),
        }
        first_sent = sim.emit(provider, "consumer_complaint", row, day)
        if row["status"] == "open" and rng.random() > 0.6 * q:
            update = {
                **row,
                "status": final,
                "resolved_on": done.isoformat() if final != "rejected" else "",
            }
            sim.emit(
                provider, "consumer_complaint", update, max(done, first_sent + timedelta(days=1))
            )
    return n
