"""What the courts send: civil judgments and enforcement cases, dishonest debtors among them."""

from __future__ import annotations

import math
from datetime import date, timedelta

from ecredit.core.synth.actors import Actor, Sent
from ecredit.core.synth.places import CITIES
from ecredit.core.synth.sim import Simulation, money, sigmoid
from ecredit.core.synth.vocab import COURT_CAUSES_DEFENDANT, COURT_CAUSES_PLAINTIFF

COURT = "court"
_INTERNET_COURTS = tuple(
    (c.internet_court, f"{c.province_abbr}0192") for c in CITIES if c.internet_court
)
_ONLINE_CAUSES = frozenset(
    ("网络购物合同纠纷", "信息网络买卖合同纠纷", "侵害作品信息网络传播权纠纷")
)


def _court(sim: Simulation, a: Actor, cause: str, amount: float) -> tuple[str, str]:
    """(court, court code) that hears a case of this party."""
    if a.city is None or a.district is None:  # a foreign seller is sued where the platform is
        return sim.rng.choice(_INTERNET_COURTS)
    if a.city.internet_court and (cause in _ONLINE_CAUSES or sim.chance(0.1)):
        return a.city.internet_court, f"{a.city.province_abbr}0192"
    if amount > 5_000_000:
        return a.city.intermediate_court, a.city.intermediate_court_code
    return a.city.court(a.district), a.city.court_code(a.district)


def _case_no(sim: Simulation, court: str, code: str, kind: str, year: int) -> str:
    n = sim.number(court, kind, str(year), first=(800, 9000), step=30)
    return f"（{year}）{code}{kind}{n}号"


def judgment(sim: Simulation, a: Actor, day: date, lt: float) -> None:
    """A civil judgment that took effect on `day`; a lost one may be followed by enforcement."""
    rng = sim.rng
    q = sigmoid(lt)
    r = rng.random()
    role = (
        "third_party"
        if r < 0.04
        else ("defendant" if r < 0.04 + sigmoid(0.3 + 0.9 * lt) * 0.96 else "plaintiff")
    )
    if role == "defendant":
        cause = rng.choice(COURT_CAUSES_DEFENDANT)
        lose = sigmoid(0.2 + 0.8 * lt)
        outcome = rng.choices(
            ("lost", "partial", "settled", "won"), weights=(lose, 0.25, 0.3, 0.45 * (1 - lose))
        )[0]
    elif role == "plaintiff":
        cause = rng.choice(COURT_CAUSES_PLAINTIFF)
        outcome = rng.choices(
            ("won", "partial", "settled", "lost"), weights=(0.55, 0.2, 0.2, 0.05)
        )[0]
    else:
        cause, outcome = rng.choice(COURT_CAUSES_DEFENDANT), "other"
    amount = 30_000.0 * math.exp(sim.normal(0.3 * q, 1.3))
    court, code = _court(sim, a, cause, amount)
    row = {
        "subject_id": a.ent.subject_id,
        "case_no": _case_no(sim, court, code, "民初", day.year),
        "court": court,
        "judgment_date": day.isoformat(),
        "cause": cause,
        "role": role,
        "amount_cny": money(amount) if rng.random() < 0.85 else "",
        "outcome": outcome,
    }
    sent = sim.emit(COURT, "court_judgment", row, sim.later(day, 15, 22))
    if (
        row["amount_cny"] and rng.random() < 0.02
    ):  # 裁定补正: a clerical error in the amount, corrected
        fixed = {**row, "amount_cny": money(round(amount, -2) + 100)}
        sim.emit(
            COURT, "court_judgment", fixed, sent + timedelta(days=rng.randint(14, 60)), late=False
        )
    if role == "defendant" and outcome in ("lost", "partial"):
        a.heat += 0.6
        if rng.random() < sigmoid(-0.7 + 0.9 * lt):
            share = 1.0 if outcome == "lost" else rng.uniform(0.4, 0.9)
            enforcement(sim, a, sim.later(day, 35, 120), amount * share, lt, court=(court, code))


def enforcement(
    sim: Simulation,
    a: Actor,
    filed: date,
    amount: float,
    lt: float,
    *,
    court: tuple[str, str] | None = None,
    dishonest: bool | None = None,
) -> None:
    """An enforcement case filed on `filed`; later concluded (paid) or terminated (nothing to take)."""
    if filed > sim.end:
        return
    rng = sim.rng
    name, code = court or _court(sim, a, "", amount)
    if dishonest is None:
        dishonest = rng.random() < sigmoid(-2.4 + 1.1 * lt + 0.3 * min(a.heat, 6.0))
    row = {
        "subject_id": a.ent.subject_id,
        "case_no": _case_no(sim, name, code, "执", filed.year),
        "court": name,
        "filed_on": filed.isoformat(),
        "amount_cny": money(amount),
        "dishonest": "true" if dishonest else "false",
        "status": "open",
    }
    a.heat += 1.0
    if dishonest:
        a.heat += 3.0
        a.serious_events += 1
    first = Sent(row, sim.emit(COURT, "enforcement_record", row, sim.later(filed, 1, 3)))
    if rng.random() < sigmoid(1.0 - 0.9 * lt):
        done = sim.later(filed, 30, 240)
        if done <= sim.end:
            changes = {
                "status": "concluded",
                "concluded_on": done.isoformat(),
                "dishonest": "false",
            }
            sim.emit(
                COURT,
                "enforcement_record",
                {**row, **changes},
                max(done, first.sent + timedelta(days=1)),
                late=False,
            )
    elif rng.random() < 0.5:
        done = sim.later(filed, 180, 400)
        if done <= sim.end:
            changes = {"status": "terminated", "concluded_on": done.isoformat()}
            sim.emit(
                COURT,
                "enforcement_record",
                {**row, **changes},
                max(done, first.sent + timedelta(days=1)),
                late=False,
            )
