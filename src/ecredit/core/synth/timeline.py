"""`generate`: build the population, then live through its months one at a time.

Each party has a hidden risk (the logistic of a normal draw, shared in part with the parties it is
linked to). Month by month a bad stretch may come and go (an AR(1) swing), and adverse events leave
"heat" that decays; both raise the odds of the next adverse event. Serious events (serious
dishonesty, serious penalties, dishonest debtors, revoked licences) depend on risk *and* heat, so
what a party did in the past year is a fair predictor of what happens to it next.
"""

from __future__ import annotations

import math
from datetime import date

from ecredit.core.synth import courts, customs_tax, market, platforms
from ecredit.core.synth.actors import Actor
from ecredit.core.synth.enterprises import build, person_name
from ecredit.core.synth.model import Population
from ecredit.core.synth.sim import Simulation, month_of, sigmoid
from ecredit.core.synth.vocab import GENERAL_VIOLATIONS, LIGHT_VIOLATIONS

_SERIOUS_KINDS = (
    ("penalty", 0.33),
    ("listing", 0.2),
    ("enforcement", 0.3),
    ("revocation", 0.1),
    ("tax", 0.04),
    ("dr", 0.03),
)
_UNFIT_PRODUCT = GENERAL_VIOLATIONS[1]
_UNFIT_LABEL = LIGHT_VIOLATIONS[3]
_REVOKE_LICENCE = (
    "严重违反许可条件，经责令整改拒不改正",
    "《中华人民共和国行政许可法》第七十条",
    0,
    0,
)
_REVOKE_BUSINESS = (
    "以欺骗手段取得登记，情节严重",
    "《中华人民共和国市场主体登记管理条例》第四十条",
    0,
    0,
)


def generate(
    enterprises: int = 5000,
    months: int = 24,
    seed: int = 42,
    end: date = date(2026, 11, 30),
) -> Population:
    """A deterministic population of `enterprises` parties over the `months` months up to `end`."""
    sim = Simulation(seed, end, months)
    actors = build(sim, enterprises)
    for a in actors:
        if not a.chinese:
            continue
        if a.ent.registered:
            market.send_registration(sim, a)
        market.initial_licences(sim, a)
        if a.has_role("cross_border"):
            customs_tax.setup_customs(sim, a)
    # the last rating published before the start (history), and last year's if it is still to come
    last_year = date(sim.start.year - 1, 12, 31)
    published = sim.due(customs_tax.TAX, "tax_credit_rating", last_year) < sim.start
    for year in range(sim.start.year - (1 if published else 2), sim.start.year):
        for a in actors:
            customs_tax.tax_rating(sim, a, year)
    for month in range(sim.first_month, sim.last_month + 1):
        for a in actors:
            _live(sim, a, month)
        if month % 12 == 11:  # December: the year's tax rating, published next spring
            for a in actors:
                customs_tax.tax_rating(sim, a, month // 12)
    batches = sim.batches()
    # a registration that is still under way at the end (sent late) has not arrived either
    arrived = {r["subject_id"] for b in batches if b.type_name == "registration" for r in b.rows}
    for a in actors:
        a.ent.registered = a.ent.subject_id in arrived
    return Population(
        enterprises=[a.ent for a in actors],
        batches=batches,
        seed=seed,
        start=sim.start,
        end=end,
    )


def _live(sim: Simulation, a: Actor, month: int) -> None:
    """One month of one party."""
    if not a.alive(month) or month < month_of(a.ent.established_on):
        return
    rng = sim.rng
    a.episode = 0.75 * a.episode + 0.66 * sim.normal()
    a.heat *= 0.9
    lt = a.logit + 0.55 * a.episode
    heat = min(a.heat, 6.0)
    trading = month > a.suspended_until
    for store in a.stores:
        if month < store.opened or (store.closed is not None and month >= store.closed):
            continue
        if trading:
            platforms.store_month(sim, a, store, month, lt)
        if rng.random() < sigmoid(-6.5 + 0.8 * lt):
            store.closed = month + 1
    if not a.chinese:
        if rng.random() < sigmoid(-6.0 + 0.8 * lt):
            courts.judgment(sim, a, sim.day_in(month), lt)
        return
    _regulated(sim, a, month, lt, heat, trading)


def _regulated(
    sim: Simulation, a: Actor, month: int, lt: float, heat: float, trading: bool
) -> None:
    """What Chinese authorities see of a party in one month."""
    rng = sim.rng
    q = sigmoid(lt)
    calendar_month = month % 12 + 1
    if a.customs_code and trading:
        customs_tax.customs_month(sim, a, month, lt)
    market.licences_month(sim, a, month)
    if a.goods and rng.random() < 0.012:
        failed = market.inspection(sim, a, sim.day_in(month), sigmoid(-2.2 + 0.9 * lt))
        if failed and rng.random() < 0.5:  # a failed spot check often ends in a penalty
            severity = "general" if rng.random() < 0.6 else "light"
            violation = _UNFIT_PRODUCT if severity == "general" else _UNFIT_LABEL
            day = sim.later(sim.day_in(month), 20, 80)
            market.penalty(sim, a, day, severity, violation=violation)
    if rng.random() < sigmoid(-5.6 + 1.0 * lt + 0.25 * heat):
        severity = "general" if rng.random() < sigmoid(-0.5 + 0.6 * lt) else "light"
        market.penalty(sim, a, sim.day_in(month), severity)
    if a.goods:
        for _ in range(sim.poisson(0.01 + 0.12 * q)):
            market.complaint_12315(sim, a, sim.day_in(month), q)
    if calendar_month == 7 and a.ent.registered and a.ent.established_on.year < month // 12:
        # the annual report was due by 30 June
        individual = 0.5 if a.ent.entity_type == "individual_business" else 0.0
        if rng.random() < sigmoid(-2.4 + 1.1 * lt + individual):
            market.abnormal(sim, a, sim.day_in(month), "no_annual_report")
    elif rng.random() < sigmoid(-8.0 + 1.0 * lt):
        reason = rng.choice(("unreachable_address", "false_information"))
        market.abnormal(sim, a, sim.day_in(month), reason)
    if a.ent.entity_type != "individual_business" and rng.random() < sigmoid(-6.4 + 0.9 * lt):
        customs_tax.tax_penalty(sim, a, sim.day_in(month))
    if rng.random() < sigmoid(-4.0 + 0.8 * lt + 0.1 * heat):
        courts.judgment(sim, a, sim.day_in(month), lt)
    if rng.random() < sigmoid(-5.9 + 1.3 * lt + 0.45 * heat):
        _serious(sim, a, month, lt)
    elif (
        calendar_month % 3 == 0
        and a.heat < 0.5
        and not a.serious_events
        and rng.random() < sigmoid(-6.0 - 0.9 * a.logit)
    ):
        market.honour(sim, a, sim.day_in(month))
    if (
        (a.has_role("livestream_seller") or a.has_role("mcn"))
        and not a.self_discipline_signed
        and rng.random() < 0.03
    ):
        assert a.city is not None
        a.self_discipline_signed = True
        association = f"{a.city.name}网络直播行业协会"
        market.commitment(sim, a, sim.day_in(month), "industry_self_discipline", association)
    _registration_changes(sim, a, month, lt)


def _serious(sim: Simulation, a: Actor, month: int, lt: float) -> None:
    """One serious event, of a kind drawn at random."""
    rng = sim.rng
    day = sim.day_in(month)
    kind = rng.choices([k for k, _ in _SERIOUS_KINDS], weights=[w for _, w in _SERIOUS_KINDS])[0]
    if kind == "tax" and a.ent.entity_type == "individual_business":
        kind = "listing"
    if kind == "penalty":
        sent = market.penalty(sim, a, day, "serious")
        a.serious_events += 1
        if sent.row["penalty_type"] == "suspension":
            a.suspended_until = month + rng.randint(1, 3)
        if rng.random() < 0.45:  # a heavy penalty lands the party on the serious-dishonesty list
            reason = f"因{sent.row['violation']}受到较重行政处罚"
            market.serious_listing(sim, a, sim.later(day, 20, 80), reason=reason)
    elif kind == "listing":
        market.serious_listing(sim, a, day)
    elif kind == "enforcement":
        amount = 80_000.0 * math.exp(sim.normal(0.0, 1.0))
        courts.enforcement(sim, a, day, amount, lt, dishonest=True)
    elif kind == "tax":
        market.serious_listing(sim, a, day, provider="tax")
    elif kind == "dr":
        market.serious_listing(sim, a, day, provider=market.DR)
    elif market.revoke_licence(sim, a, day):
        market.penalty(
            sim, a, day, "serious", violation=_REVOKE_LICENCE, penalty_type="license_revocation"
        )
        a.serious_events += 1
    else:  # no licence to take: the business licence itself goes
        market.penalty(
            sim, a, day, "serious", violation=_REVOKE_BUSINESS, penalty_type="license_revocation"
        )
        a.serious_events += 1
        market.change_registration(sim, a, day, {"status": "revoked"})
        a.dead_from = month + 1


def _registration_changes(sim: Simulation, a: Actor, month: int, lt: float) -> None:
    """New phone numbers and legal representatives; and parties that close down."""
    rng = sim.rng
    if a.has_role("platform_operator"):
        return
    close = sigmoid(-7.2 + 0.6 * lt) * (2.0 if a.ent.entity_type == "individual_business" else 1.0)
    if rng.random() < close:
        market.change_registration(sim, a, sim.day_in(month), {"status": "cancelled"})
        a.dead_from = month + 1
        return
    if rng.random() < 0.003:
        change = rng.choice(("phone", "legal_representative"))
        if change == "phone":
            value = a.ent.phone[:-4] + f"{rng.randrange(10**4):04d}"
        else:
            value = person_name(rng)
        market.change_registration(sim, a, sim.day_in(month), {change: value})
