"""What the tax bureau and customs send: ratings, penalties, monthly declaration summaries."""

from __future__ import annotations

import math
from datetime import date, timedelta

from ecredit.core.synth.actors import Actor
from ecredit.core.synth.sim import Simulation, last_day, money, month_label, sigmoid

TAX = "tax"
CUSTOMS = "customs"
# Seasonal swing of cross-border trade: Singles' Day and the Christmas export peak.
_SEASON = {1: 0.9, 2: 0.75, 3: 0.95, 6: 1.1, 10: 1.15, 11: 1.45, 12: 1.2}


def tax_rating(sim: Simulation, a: Actor, year: int) -> None:
    """The annual tax credit rating (A, B, M, C, D) for `year`, sent the next spring."""
    if a.city is None or a.district is None or a.ent.entity_type == "individual_business":
        return
    if a.ent.established_on.year > year or (
        a.dead_from is not None and a.dead_from <= year * 12 + 11
    ):
        return
    if a.ent.established_on.year == year:
        rating = "M"  # new taxpayers are rated M in their first year
    else:
        q = -a.logit + sim.normal(0.0, 0.7) - 0.2 * min(a.heat, 6.0)
        rating = (
            "A" if q > 2.9 else "B" if q > 1.0 else "M" if q > 0.2 else "C" if q > -1.0 else "D"
        )
    row = {
        "subject_id": a.ent.subject_id,
        "year": str(year),
        "rating": rating,
        "authority": a.city.tax_authority(a.district),
    }
    year_end = date(year, 12, 31)
    if year_end < sim.start:  # last year's rating: part of the first load
        sim.emit(TAX, "tax_credit_rating", row, sim.start, initial=True)
    else:
        sim.emit(TAX, "tax_credit_rating", row, year_end, late=False)
    a.heat += {"C": 0.6, "D": 1.5}.get(rating, 0.0)


def tax_penalty(sim: Simulation, a: Actor, day: date) -> None:
    assert a.city is not None and a.district is not None
    rng = sim.rng
    authority = a.city.tax_authority(a.district)
    light = rng.random() < 0.7
    what, basis, lo, hi = (
        (
            "未按照规定期限办理纳税申报和报送纳税资料",
            "《中华人民共和国税收征收管理法》第六十二条",
            200,
            2000,
        )
        if light
        else ("未按照规定开具发票", "《中华人民共和国发票管理办法》第三十三条", 2000, 10000)
    )
    n = sim.number(authority, "税罚", str(day.year), first=(1, 300), step=20)
    series = "税简罚" if light else "税罚"
    row = {
        "subject_id": a.ent.subject_id,
        "decision_no": f"{a.city.abbr}{a.district.abbr}{series}〔{day.year}〕{n}号",
        "decision_date": day.isoformat(),
        "authority": authority,
        "violation": what,
        "penalty_type": "fine",
        "fine_amount_cny": money(round(rng.uniform(lo, hi), -1)),
        "severity": "light" if light else "general",
        "legal_basis": basis,
    }
    a.heat += 0.3 if light else 0.8
    sim.emit(TAX, "administrative_penalty", row, sim.later(day, 1, 6))


# customs -------------------------------------------------------------------------------------
def setup_customs(sim: Simulation, a: Actor) -> None:
    """Give a cross-border firm its customs code, trade volume and first credit rating."""
    assert a.city is not None and a.district is not None
    rng = sim.rng
    a.customs_code = f"{a.district.code[:4]}96{sim.digits(4)}"
    a.customs_volume = 400.0 * math.exp(sim.normal(0.0, 1.1))
    a.import_share = (
        rng.uniform(0.3, 0.8) if a.city.short in ("宁波", "广州") and rng.random() < 0.5 else 0.0
    )
    if a.logit + sim.normal(0.0, 0.5) < -3.0 and rng.random() < 0.7:
        rating = "advanced_certified"
    elif a.logit + sim.normal(0.0, 0.5) > 0.9 and rng.random() < 0.5:
        rating = "dishonest"
    else:
        rating = "general"
    rated = max(
        a.ent.established_on + timedelta(days=rng.randint(60, 200)),
        sim.start - timedelta(days=rng.randint(30, 900)),
    )
    if rated <= sim.end:
        customs_rating(sim, a, rated, rating)


def customs_rating(sim: Simulation, a: Actor, day: date, rating: str) -> None:
    assert a.city is not None
    a.customs_rating = rating
    row = {
        "subject_id": a.ent.subject_id,
        "rating": rating,
        "rated_on": day.isoformat(),
        "authority": a.city.customs,
        "customs_code": a.customs_code,
    }
    if day < sim.start:
        sim.emit(CUSTOMS, "customs_credit_rating", row, sim.start, initial=True)
    else:
        sim.emit(CUSTOMS, "customs_credit_rating", row, sim.later(day, 1, 5))
    if rating == "dishonest":
        a.heat += 2.0


def customs_month(sim: Simulation, a: Actor, month: int, lt: float) -> None:
    """One month of declarations; irregularities bring penalties and, piling up, a downgrade."""
    assert a.city is not None
    rng = sim.rng
    q = sigmoid(lt)
    season = _SEASON.get(month % 12 + 1, 1.0)
    declarations = sim.poisson(a.customs_volume * season * math.exp(sim.normal(0.0, 0.2)))
    export_value = declarations * (1 - a.import_share) * rng.uniform(18.0, 55.0)
    import_value = declarations * a.import_share * rng.uniform(40.0, 120.0)
    irregular = sim.poisson(declarations * 0.0012 * math.exp(1.1 * lt + 0.15 * min(a.heat, 6.0)))
    irregular = min(irregular, declarations)
    row = {
        "subject_id": a.ent.subject_id,
        "month": month_label(month),
        "declarations": str(declarations),
        "export_value_usd": money(export_value),
        "import_value_usd": money(import_value),
        "inspected": str(min(declarations, sim.poisson(declarations * (0.015 + 0.04 * q)))),
        "irregularities": str(irregular),
        "returned_parcels": str(sim.poisson(declarations * (0.004 + 0.02 * q)))
        if rng.random() < 0.8
        else "",
    }
    sim.emit(CUSTOMS, "customs_declaration_summary", row, last_day(month))
    a.irregularities_6m = [*a.irregularities_6m[-5:], irregular]
    if irregular:
        a.heat += 0.3
    if irregular >= 3 and rng.random() < 0.35:
        _customs_penalty(sim, a, sim.day_in(month), irregular)
    if sum(a.irregularities_6m) >= 8 and a.customs_rating != "dishonest" and rng.random() < 0.3:
        customs_rating(sim, a, sim.day_in(month), "dishonest")
    elif (
        a.customs_rating == "general"
        and sum(a.irregularities_6m) == 0
        and q < 0.05
        and rng.random() < 0.01
    ):
        customs_rating(sim, a, sim.day_in(month), "advanced_certified")


def _customs_penalty(sim: Simulation, a: Actor, day: date, irregular: int) -> None:
    assert a.city is not None
    rng = sim.rng
    authority = a.city.customs
    n = sim.number(authority, "缉违", str(day.year), first=(1, 400), step=15)
    row = {
        "subject_id": a.ent.subject_id,
        "decision_no": f"{a.city.customs_abbr}关缉违字〔{day.year}〕{n:04d}号",
        "decision_date": day.isoformat(),
        "authority": authority,
        "violation": rng.choice(
            ("申报不实，影响海关统计准确性", "未按规定如实申报跨境电商零售进出口商品")
        ),
        "penalty_type": "fine",
        "fine_amount_cny": money(round(1000 * min(irregular, 10) * rng.uniform(1.0, 6.0), -2)),
        "severity": "general" if irregular >= 6 else "light",
        "legal_basis": "《中华人民共和国海关行政处罚实施条例》第十五条",
    }
    a.heat += 1.0
    sim.emit(CUSTOMS, "administrative_penalty", row, sim.later(day, 1, 6))
