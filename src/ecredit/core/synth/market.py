"""What market regulation and the development-reform commission send about a Chinese party."""

from __future__ import annotations

import math
from datetime import date, timedelta

from ecredit.core.synth.actors import Actor, Sent
from ecredit.core.synth.places import PROVINCIAL_BODIES, City, District
from ecredit.core.synth.sim import Simulation, first_day, money, month_of, sigmoid
from ecredit.core.synth.vocab import (
    ABNORMAL_REMOVAL,
    COMPLAINT_SUMMARIES,
    GENERAL_VIOLATIONS,
    HONOURS,
    LIGHT_VIOLATIONS,
    SERIOUS_LISTING_REASONS,
    SERIOUS_VIOLATIONS,
)

MR = "market-regulation"
DR = "development-reform"
_HEAT = {"light": 0.4, "general": 1.0, "serious": 3.0}
_COMMITMENT_TEXT = {
    "application": "本单位承诺所提交的申请材料真实、合法、有效，如有虚假，自愿承担相应法律责任并接受信用惩戒。",
    "repair": "本单位已纠正失信行为、履行相关义务，承诺今后依法诚信经营，如再次发生失信行为，自愿接受从重惩戒。",
    "industry_self_discipline": "本单位承诺遵守《网络直播营销行为规范》，不虚假宣传、不刷单炒信，"
    "自觉接受平台和社会监督。",
}


def _place(a: Actor) -> tuple[City, District]:
    assert a.city is not None and a.district is not None, (
        "only Chinese parties deal with these bodies"
    )
    return a.city, a.district


def _update(
    sim: Simulation, provider: str, type_name: str, before: Sent, on: date, changes: dict[str, str]
) -> Sent:
    """Send the same natural key again with changed fields, after the first version went out."""
    known_on = max(on, before.sent + timedelta(days=1))
    row = {**before.row, **changes}
    return Sent(row, sim.emit(provider, type_name, row, known_on, late=False))


# registration --------------------------------------------------------------------------------
def send_registration(sim: Simulation, a: Actor) -> None:
    ent = a.ent
    row = {
        "subject_id": ent.subject_id,
        "name": ent.name,
        "name_en": ent.name_en,
        "entity_type": ent.entity_type,
        "legal_representative": ent.legal_representative,
        "registered_capital_cny": a.registered_capital,
        "established_on": ent.established_on.isoformat(),
        "region_code": ent.region_code,
        "address": ent.address,
        "phone": ent.phone,
        "business_scope": a.business_scope,
        "status": "active",
        "ecommerce_roles": ";".join(ent.roles),
    }
    initial = ent.established_on < sim.start
    known_on = sim.start if initial else sim.later(ent.established_on, 0, 2)
    a.registration = Sent(row, sim.emit(MR, "registration", row, known_on, initial=initial))


def change_registration(sim: Simulation, a: Actor, on: date, changes: dict[str, str]) -> None:
    """Send the registration again with `changes` (a new phone, a closure, a revocation)."""
    if a.registration is not None:
        a.registration = _update(sim, MR, "registration", a.registration, on, changes)


# licences ------------------------------------------------------------------------------------
def _licence_spec(sim: Simulation, a: Actor, issued: date) -> tuple[str, str, str, int] | None:
    """(licence name, number, authority, years valid) of the licence this party needs, if any."""
    city, district = _place(a)
    province_bodies = PROVINCIAL_BODIES[city.province]
    p = city.province_abbr
    if a.has_role("platform_operator"):
        no = f"{p}B2-{issued.year}{sim.digits(4)}"
        return "增值电信业务经营许可证", no, province_bodies[1], 5
    if a.has_role("logistics"):
        return "快递业务经营许可证", f"{p}邮{issued.year}{sim.digits(3)}", province_bodies[2], 5
    if a.has_role("livestream_seller") or a.has_role("mcn"):
        if a.ent.entity_type != "company":
            return None
        no = f"{p}网文〔{issued.year}〕{sim.digits(4)}-{sim.digits(3)}号"
        return "网络文化经营许可证", no, province_bodies[3], 3
    if a.industry.food and a.industry.key != "agri" and a.goods:
        no = f"JY{'1' if a.ent.entity_type == 'company' else '2'}{district.code}{sim.digits(7)}"
        return "食品经营许可证", no, city.market_authority(district), 5
    return None


def issue_licence(sim: Simulation, a: Actor, issued: date) -> None:
    spec = _licence_spec(sim, a, issued)
    if spec is None:
        return
    name, number, authority, years = spec
    valid_until = issued + timedelta(days=round(365.25 * years) - 1)
    row = {
        "subject_id": a.ent.subject_id,
        "license_no": number,
        "license_name": name,
        "authority": authority,
        "issued_on": issued.isoformat(),
        "valid_until": valid_until.isoformat(),
        "status": "valid",
    }
    initial = issued < sim.start
    known_on = sim.start if initial else sim.later(issued, 1, 6)
    sent = sim.emit(MR, "administrative_license", row, known_on, initial=initial)
    a.licences.append(Sent(row, sent))
    if issued >= sim.start and sim.chance(
        0.6
    ):  # 告知承诺制: the application came with a commitment
        commitment(
            sim, a, issued - timedelta(days=sim.rng.randint(3, 20)), "application", authority
        )


def initial_licences(sim: Simulation, a: Actor) -> None:
    est = a.ent.established_on
    if est < sim.start:
        issued = max(
            est + timedelta(days=20), sim.start - timedelta(days=sim.rng.randint(30, 1700))
        )
        if issued < sim.start:
            issue_licence(sim, a, issued)
    elif est + timedelta(days=40) <= sim.end:
        issue_licence(sim, a, est + timedelta(days=sim.rng.randint(10, 40)))


def licences_month(sim: Simulation, a: Actor, month: int) -> None:
    """Renew licences that run out this month (most do), then mark the old one expired."""
    for i, lic in enumerate(list(a.licences)):
        if lic.row["status"] != "valid":
            continue
        until = date.fromisoformat(lic.row["valid_until"])
        if month_of(until) != month:
            continue
        if sim.chance(0.85):
            issue_licence(sim, a, until - timedelta(days=sim.rng.randint(15, 45)))
        a.licences[i] = _update(
            sim, MR, "administrative_license", lic, until + timedelta(days=1), {"status": "expired"}
        )


def revoke_licence(sim: Simulation, a: Actor, on: date) -> bool:
    for i, lic in enumerate(a.licences):
        if lic.row["status"] == "valid":
            a.licences[i] = _update(
                sim, MR, "administrative_license", lic, on, {"status": "revoked"}
            )
            return True
    return False


# penalties and lists -------------------------------------------------------------------------
def _fine(sim: Simulation, lo: int, hi: int, step: int) -> int:
    amount = math.exp(sim.rng.uniform(math.log(lo), math.log(hi)))
    return max(step, round(amount / step) * step)


def penalty(
    sim: Simulation,
    a: Actor,
    day: date,
    severity: str,
    *,
    violation: tuple[str, str, int, int] | None = None,
    penalty_type: str | None = None,
) -> Sent:
    """A market-regulation penalty decided on `day`; a few fines are corrected in a later batch."""
    city, district = _place(a)
    rng = sim.rng
    local = rng.random() < 0.8
    authority = city.market_authority(district if local else None)
    prefix = city.market_prefix(district if local else None)
    n = sim.number(authority, "处罚", str(day.year), first=(1, 80), step=6)
    if violation is None:
        pool = {
            "light": LIGHT_VIOLATIONS,
            "general": GENERAL_VIOLATIONS,
            "serious": SERIOUS_VIOLATIONS,
        }[severity]
        violation = rng.choice(pool)
    what, basis, lo, hi = violation
    if penalty_type is None:
        options = {
            "light": (("warning", 0.55), ("fine", 0.45)),
            "general": (("fine", 0.85), ("confiscation", 0.15)),
            "serious": (
                ("fine", 0.6),
                ("suspension", 0.2),
                ("confiscation", 0.1),
                ("license_revocation", 0.1),
            ),
        }[severity]
        penalty_type = rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]
    amount = (
        _fine(sim, lo, hi, 1000 if severity == "serious" else 100) if penalty_type == "fine" else 0
    )
    row = {
        "subject_id": a.ent.subject_id,
        "decision_no": f"{prefix}处罚〔{day.year}〕{n}号",
        "decision_date": day.isoformat(),
        "authority": authority,
        "violation": what,
        "penalty_type": penalty_type,
        "fine_amount_cny": money(amount) if penalty_type == "fine" else "",
        "severity": severity,
        "legal_basis": basis if rng.random() < 0.9 else "",
    }
    a.heat += _HEAT[severity]
    if penalty_type == "fine" and rng.random() < 0.08:
        # the first version carried a typing error; the corrected amount follows in a later batch
        wrong = {**row, "fine_amount_cny": money(amount * rng.choice((10, 0.1, 1.5)))}
        first = Sent(wrong, sim.emit(MR, "administrative_penalty", wrong, sim.later(day, 1, 5)))
        return _update(sim, MR, "administrative_penalty", first, sim.later(first.sent, 7, 60), row)
    sent = Sent(row, sim.emit(MR, "administrative_penalty", row, sim.later(day, 1, 5)))
    if severity == "general" and rng.random() < sigmoid(-0.3 - 0.8 * a.logit):
        commitment(sim, a, sim.later(day, 95, 200), "repair", authority)
    return sent


def abnormal(sim: Simulation, a: Actor, day: date, reason: str) -> None:
    city, district = _place(a)
    authority = city.market_authority(district)
    n = sim.number(authority, "异列", str(day.year), first=(1, 200), step=12)
    row = {
        "subject_id": a.ent.subject_id,
        "decision_no": f"{city.market_prefix(district)}异列〔{day.year}〕{n}号",
        "listed_on": day.isoformat(),
        "authority": authority,
        "reason": reason,
    }
    a.heat += 1.0
    known_on = sim.later(day, 1, 5)
    removed = sim.later(day, 30, 300)
    if removed <= sim.end - timedelta(days=3) and sim.chance(sigmoid(0.6 - 0.6 * a.logit)):
        row_removed = {
            "removed_on": removed.isoformat(),
            "removal_reason": ABNORMAL_REMOVAL[reason],
        }
        if removed <= sim.due(
            MR, "abnormal_operation", known_on
        ):  # removed before the listing went out
            sim.emit(MR, "abnormal_operation", {**row, **row_removed}, known_on)
            return
        first = Sent(row, sim.emit(MR, "abnormal_operation", row, known_on))
        _update(sim, MR, "abnormal_operation", first, removed, row_removed)
        return
    sim.emit(MR, "abnormal_operation", row, known_on)


def serious_listing(
    sim: Simulation, a: Actor, day: date, provider: str = MR, reason: str = ""
) -> None:
    """A listing as seriously dishonest, by market regulation, the tax bureau or development-reform."""
    city, _ = _place(a)
    if provider == MR:
        authority, series = city.market_authority(), f"{city.abbr}市监严列"
        reason = reason or sim.rng.choice(SERIOUS_LISTING_REASONS)
    elif provider == "tax":
        authority, series = f"国家税务总局{city.name}税务局", f"{city.abbr}税稽公"
        reason = reason or sim.rng.choice(("虚开增值税专用发票", "偷税数额较大且占应纳税额10%以上"))
    else:
        authority, series = f"{city.name}发展和改革委员会", f"{city.abbr}发改信用"
        reason = reason or sim.rng.choice(
            ("拒不履行信用承诺，情节严重", "拒不履行法定义务，严重影响司法机关公信力")
        )
    n = sim.number(authority, "严列", str(day.year), first=(1, 20), step=3)
    row = {
        "subject_id": a.ent.subject_id,
        "decision_no": f"{series}〔{day.year}〕{n}号",
        "listed_on": day.isoformat(),
        "authority": authority,
        "reason": reason,
    }
    a.heat += 3.0
    a.serious_events += 1
    sim.emit(provider, "serious_dishonesty_listing", row, sim.later(day, 1, 6))


# inspections, complaints, honours, commitments -----------------------------------------------
def inspection(sim: Simulation, a: Actor, day: date, fail_p: float) -> bool:
    """A spot check of one of the party's products; True when it failed."""
    city, district = _place(a)
    rng = sim.rng
    local = rng.random() < 0.6
    authority = city.market_authority(district if local else None)
    n = sim.number(authority, "抽检", str(day.year), first=(1, 300), step=25)
    failed = rng.random() < fail_p
    row = {
        "subject_id": a.ent.subject_id,
        "report_no": f"CJ{day.year}{(district.code if local else district.code[:4] + '00')}{n:05d}",
        "inspected_on": day.isoformat(),
        "authority": authority,
        "product": rng.choice(a.industry.products),
        "result": "fail" if failed else "pass",
        "defect": rng.choice(a.industry.defects) if failed else "",
    }
    sim.emit(MR, "product_quality_inspection", row, sim.later(day, 5, 25))
    if failed:
        a.heat += 0.8
    return failed


def complaint_12315(sim: Simulation, a: Actor, day: date, q: float) -> None:
    """A complaint lodged with the 12315 platform (cross-border ones on their own channel)."""
    rng = sim.rng
    channel = "cross_border" if a.has_role("cross_border") and rng.random() < 0.4 else "12315"
    n = sim.number("12315", channel, day.isoformat(), first=(1, 40), step=9)
    category = rng.choices(
        ("quality", "false_advertising", "refund", "delivery", "counterfeit", "privacy", "other"),
        weights=(0.25, 0.12 * (1 + 2 * q), 0.25, 0.15, 0.05 * (1 + 4 * q), 0.03, 0.1),
    )[0]
    resolved_in = rng.randint(3, 30) + int(30 * q)
    done = day + timedelta(days=resolved_in)
    sent_on = sim.due(MR, "consumer_complaint", day)
    status = rng.choices(("resolved", "mediated", "rejected"), weights=(0.45, 0.4, 0.15))[0]
    row = {
        "subject_id": a.ent.subject_id,
        "complaint_no": f"{'1' if channel == '12315' else 'K'}{day:%Y%m%d}{n:05d}",
        "received_on": day.isoformat(),
        "channel": channel,
        "category": category,
        "amount_cny": money(a.industry.ticket_cny * math.exp(sim.normal(0, 0.6)))
        if rng.random() < 0.85
        else "",
        "cross_border": "true" if channel == "cross_border" else "false",
        "status": status if done <= sent_on else "open",
        "resolved_on": done.isoformat() if done <= sent_on and status != "rejected" else "",
        "summary": rng.choice(COMPLAINT_SUMMARIES[category]),
    }
    first = Sent(row, sim.emit(MR, "consumer_complaint", row, day))
    if row["status"] == "open" and rng.random() > q * 0.5:
        _update(
            sim,
            MR,
            "consumer_complaint",
            first,
            done,
            {"status": status, "resolved_on": done.isoformat() if status != "rejected" else ""},
        )


def honour(sim: Simulation, a: Actor, day: date) -> None:
    city, _ = _place(a)
    rng = sim.rng
    options = [
        h
        for h in HONOURS
        if not (
            (h[0].startswith("跨境") and not a.has_role("cross_border"))
            or (
                h[0].startswith("直播")
                and not (a.has_role("livestream_seller") or a.has_role("mcn"))
            )
        )
    ]
    title, kind, level, provider, body = rng.choice(options)
    authority = {
        "province_market": PROVINCIAL_BODIES[city.province][0],
        "city_dr": f"{city.name}发展和改革委员会",
        "city_market": city.market_authority(),
        "association": f"{city.name}电子商务协会",
        "city_commerce": f"{city.name}商务局",
    }[body]
    n = sim.number(authority, "奖", str(day.year), first=(1, 40), step=4)
    series = {
        "province_market": f"{city.province_abbr}市监信",
        "city_dr": f"{city.abbr}发改信",
        "city_market": f"{city.abbr}市监信",
        "association": f"{city.abbr}电商协",
        "city_commerce": f"{city.abbr}商务",
    }[body]
    row = {
        "subject_id": a.ent.subject_id,
        "award_no": f"{series}〔{day.year}〕{n}号",
        "awarded_on": day.isoformat(),
        "authority": authority,
        "title": title.format(province=city.province, city=city.name),
        "kind": kind,
        "level": level,
        "valid_until": (day.replace(day=1) + timedelta(days=rng.choice((730, 1095)))).isoformat(),
    }
    sim.emit(provider, "honor_or_reward", row, sim.later(day, 1, 10))


def commitment(sim: Simulation, a: Actor, made_on: date, kind: str, to_authority: str) -> None:
    """A public credit commitment; some are later marked fulfilled or broken."""
    if made_on > sim.end:
        return
    made_on = max(made_on, first_day(sim.first_month))
    provider = MR if "市场监督管理" in to_authority else DR
    n = sim.number("承诺", a.ent.region_code, str(made_on.year), first=(1, 50), step=7)
    row = {
        "subject_id": a.ent.subject_id,
        "commitment_no": f"XYCN{made_on.year}{a.ent.region_code}{n:05d}",
        "made_on": made_on.isoformat(),
        "to_authority": to_authority,
        "kind": kind,
        "content": _COMMITMENT_TEXT[kind],
    }
    first = Sent(row, sim.emit(provider, "credit_commitment", row, sim.later(made_on, 1, 10)))
    checked = sim.later(made_on, 180, 400)
    if checked <= sim.end and sim.chance(0.4):
        kept = sim.chance(sigmoid(1.5 - 1.2 * a.logit))
        _update(
            sim,
            provider,
            "credit_commitment",
            first,
            checked,
            {"fulfilled": "true" if kept else "false"},
        )
        if not kept:
            a.heat += 1.0
