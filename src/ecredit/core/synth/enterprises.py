"""Who is in the population: identities, related-party links, hidden risk, stores."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from itertools import accumulate

from stdnum.iso7064 import mod_97_10

from ecredit.core.identifiers import USCC_ALPHABET, make_uscc
from ecredit.core.synth.actors import Actor, Store
from ecredit.core.synth.model import SynthEnterprise
from ecredit.core.synth.places import CITIES, City, District
from ecredit.core.synth.sim import PLATFORMS, Simulation, month_of, sigmoid
from ecredit.core.synth.vocab import (
    FIRST,
    FOREIGN_COUNTRIES,
    FOREIGN_WORDS_1,
    FOREIGN_WORDS_2,
    GIVEN_CHARS,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    LEI_ISSUERS,
    MERCHANT_GENERIC,
    ROLE_WORDS,
    SCOPE_TAIL,
    SCOPES,
    SECOND,
    SURNAMES,
    Industry,
)

_SURNAME_CUM = list(accumulate(1.0 / (rank + 2) ** 0.8 for rank in range(len(SURNAMES))))
_INDUSTRY = {industry.key: industry for industry in INDUSTRIES}
_LEI_BODY = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MOBILE_PREFIXES = ("13", "15", "17", "18", "19")
_DIAL_CODES = {"US": 1, "DE": 49, "JP": 81, "GB": 44, "SG": 65}

# Kinds of Chinese party by the first two characters of the USCC (GB 32100 authority + category).
_KINDS = (("91", 0.60), ("92", 0.345), ("93", 0.025), ("N", 0.01), ("Y", 0.012))
_ENTITY_TYPE = {
    "91": "company",
    "92": "individual_business",
    "93": "farmers_cooperative",
    "N": "other",
    "Y": "other",
}
# Roles of a company (91…) other than platform operators: roles, weight.
_COMPANY_ROLES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("merchant",), 0.60),
    (("livestream_seller", "merchant"), 0.08),
    (("mcn",), 0.04),
    (("cross_border", "merchant"), 0.14),
    (("logistics",), 0.07),
    (("self_built_site", "merchant"), 0.05),
    (("payment_service",), 0.02),
)
_ROLE_LOGIT = {
    "platform_operator": -1.6,
    "payment_service": -0.8,
    "logistics": -0.3,
    "mcn": 0.1,
    "cross_border": 0.1,
    "livestream_seller": 0.3,
}
_KIND_LOGIT = {"91": 0.0, "92": 0.2, "93": -0.3, "N": -0.4, "Y": -0.2, "foreign": 0.2}
BASE_LOGIT = -1.85

# The operators of the three demo platforms: (platform, city, district code, trade name, pinyin, word).
_DEMO_OPERATORS = (
    ("xishi", "杭州", "330108", "西市", "Xishi", ("网络科技", "Network Technology")),
    ("dongfang", "广州", "440106", "东方购", "Dongfanggou", ("信息技术", "Information Technology")),
    ("zhibo", "深圳", "440305", "直播优选", "Zhibo Youxuan", ("科技", "Technology")),
)


class _Registry:
    """Keeps names, codes, phones and store ids unique across the population."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.phones: set[str] = set()
        self.stores: set[str] = set()


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def person_name(rng: random.Random) -> str:
    surname = rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
    return surname + given


def _phone(rng: random.Random, city: City, reg: _Registry) -> str:
    while True:
        if rng.random() < 0.7:
            phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**9):09d}"
        else:
            phone = f"{city.phone_area}-{rng.choice('5678')}{rng.randrange(10**7):07d}"
        if phone not in reg.phones:
            reg.phones.add(phone)
            return phone


def _address(rng: random.Random, city: City, district: District, cluster: bool = False) -> str:
    street = rng.choice(district.streets)
    base = f"{city.province}{city.name}{district.name}{street}{rng.randint(1, 999)}号"
    if cluster:  # a cluster-registration address (集群注册) that many small sellers share
        return f"{base}{rng.randint(1, 12)}幢{rng.randint(2, 9)}楼{rng.randint(201, 299)}室（集群注册）"
    match rng.randrange(3):
        case 0:
            return f"{base}{rng.randint(1, 20)}幢{rng.randint(1, 25)}{rng.randint(1, 20):02d}室"
        case 1:
            return f"{base}{rng.randint(1, 30)}楼{rng.randint(1, 30):02d}室"
        case _:
            return base


def _zihao(rng: random.Random) -> tuple[str, str]:
    first, first_py = rng.choice(FIRST)
    second, second_py = rng.choice(SECOND)
    return first + second, first_py + second_py


def _org_body(rng: random.Random, established: date, reg: _Registry, head: str) -> str:
    """The first eight characters of the organisation code: MA… since 2016, digits before."""
    while True:
        if established.year >= 2016:
            body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
        else:
            body = f"{rng.randrange(10**8):08d}"
        if head + body not in reg.codes:
            reg.codes.add(head + body)
            return body


def _goods_industry(rng: random.Random, kind: str) -> Industry:
    if kind in ("93", "N"):
        return _INDUSTRY[rng.choice(("agri", "agri", "tea", "food"))]
    return rng.choices(INDUSTRIES, weights=INDUSTRY_WEIGHTS)[0]


def _company_word(
    rng: random.Random, roles: tuple[str, ...], industry: Industry
) -> tuple[str, str]:
    for role in roles:
        if role in ROLE_WORDS and role != "self_built_site":
            return rng.choice(ROLE_WORDS[role])
    if rng.random() < 0.5:
        return industry.word, industry.word_en
    return rng.choice(MERCHANT_GENERIC)


def _name(
    rng: random.Random,
    kind: str,
    roles: tuple[str, ...],
    city: City,
    district: District,
    industry: Industry,
    reg: _Registry,
) -> tuple[str, str, str]:
    """A unique registered name, its English form ("" when none) and the trade name (字号)."""
    for attempt in range(60):
        zihao, zihao_py = _zihao(rng)
        place = city.name if city.short in ("深圳", "广州") and rng.random() < 0.6 else city.short
        if attempt > 30:  # crowded: name the district too, as registrars then require
            place = f"{city.short}{district.name.removesuffix('区')}"
        name_en = ""
        if kind == "91":
            word, word_en = _company_word(rng, roles, industry)
            form = "股份有限公司" if rng.random() < 0.03 else "有限公司"
            name = f"{place}{zihao}{word}{form}"
            if rng.random() < 0.75:
                name_en = f"{city.pinyin} {zihao_py} {word_en} Co., Ltd."
        elif kind == "92":
            if "livestream_seller" in roles:
                shop = rng.choice(("电商直播工作室", "网络直播工作室"))
            else:
                shop = industry.shop if rng.random() < 0.8 else "网店"
            name = f"{city.name}{district.name}{zihao}{shop}"
        elif kind == "93":
            word = {"tea": "茶叶", "food": "食品"}.get(
                industry.key, rng.choice(("果蔬", "粮油", "蜂业"))
            )
            name = f"{city.name}{district.name}{zihao}{word}专业合作社"
        elif kind == "N":
            name = f"{city.name}{district.name}{zihao}村股份经济合作社"
        else:
            name = f"{city.name}{district.name}{zihao}电子商务服务中心"
        if name not in reg.names:
            reg.names.add(name)
            return name, name_en, zihao
    raise RuntimeError("could not find a free company name")  # pragma: no cover


def _capital(rng: random.Random, kind: str, roles: tuple[str, ...]) -> str:
    if kind == "91":
        steps = (
            100_000,
            500_000,
            1_000_000,
            2_000_000,
            3_000_000,
            5_000_000,
            10_000_000,
            50_000_000,
        )
        weights = (8, 14, 22, 12, 10, 14, 10, 3)
        if "platform_operator" in roles:
            return f"{rng.choice((50_000_000, 100_000_000, 200_000_000))}.00"
        return f"{rng.choices(steps, weights=weights)[0]}.00"
    if kind == "92":
        return (
            ""
            if rng.random() < 0.5
            else f"{rng.choice((10_000, 30_000, 50_000, 100_000, 200_000))}.00"
        )
    if kind == "93":
        return f"{rng.choice((100_000, 500_000, 1_000_000, 2_000_000))}.00"
    return ""


def _scope(roles: tuple[str, ...], industry: Industry) -> str:
    role = next((r for r in roles if r in SCOPES), "merchant")
    text = SCOPES[role].format(goods=industry.scope)
    if industry.food and role != "logistics":
        text = "许可项目：食品销售。" + text
    return text + SCOPE_TAIL


def _established(rng: random.Random, sim: Simulation, kind: str) -> date:
    if rng.random() < 0.08:  # registered during the simulated window
        span = max((sim.end - sim.start).days - 20, 1)
        return sim.start + timedelta(days=rng.randrange(span))
    years = 0.3 + rng.expovariate(1 / (5.0 if kind == "91" else 3.5))
    return sim.start - timedelta(days=int(min(years, 28.0) * 365.25))


def _size(rng: random.Random, kind: str) -> float:
    median, sigma = {"91": (900.0, 1.1), "92": (180.0, 0.9), "foreign": (1500.0, 1.0)}.get(
        kind, (120.0, 0.8)
    )
    return min(median * math.exp(rng.gauss(0.0, sigma)), 200_000.0)


def _store_id(rng: random.Random, platform: str, reg: _Registry) -> str:
    digits = {"xishi": 9, "dongfang": 8, "zhibo": 10}[platform]
    while True:
        sid = f"store:{platform}:{rng.randrange(10 ** (digits - 1), 10**digits)}"
        if sid not in reg.stores:
            reg.stores.add(sid)
            return sid


def _store_plan(rng: random.Random, kind: str, roles: tuple[str, ...]) -> list[tuple[str, bool]]:
    """Which platforms the party sells on, and whether each store is cross-border."""
    if kind == "foreign":
        first = "xishi" if rng.random() < 0.6 else "dongfang"
        plan = [(first, True)]
        if rng.random() < 0.25:
            plan.append(("dongfang" if first == "xishi" else "xishi", True))
        return plan
    if "livestream_seller" in roles:
        plan = [("zhibo", False)]
        if rng.random() < 0.4:
            plan.append(("xishi", False))
        return plan
    if "cross_border" in roles:
        return [(rng.choice(("xishi", "dongfang")), True)] if rng.random() < 0.7 else []
    if "merchant" not in roles:
        return []
    counts = (0, 1, 2) if kind == "92" else (0, 1, 2, 3)
    weights = (0.05, 0.8, 0.15) if kind == "92" else (0.06, 0.62, 0.24, 0.08)
    n = rng.choices(counts, weights=weights)[0]
    pool, pool_w = list(PLATFORMS), [0.55, 0.33, 0.12]
    plan = []
    for _ in range(n):
        platform = rng.choices(pool, weights=pool_w)[0]
        i = pool.index(platform)
        pool.pop(i)
        pool_w.pop(i)
        plan.append((platform, False))
    return plan


_STORE_SUFFIX = {
    "company": ("旗舰店", "官方旗舰店", "专营店", "企业店", "专卖店"),
    "individual": ("小店", "优选店", "精品店", "好物店"),
    "zhibo": ("直播间", "好物直播间", "官方直播间"),
    "cross": ("海外旗舰店", "跨境专营店", "海外专营店"),
}


def _stores(rng: random.Random, sim: Simulation, actor: Actor, kind: str, reg: _Registry) -> None:
    plan = _store_plan(rng, kind, actor.ent.roles)
    est_month = month_of(actor.ent.established_on)
    shares = [rng.uniform(0.3, 1.0) for _ in plan]
    used: set[str] = set()
    for (platform, cross), share in zip(plan, shares, strict=True):
        if cross:
            group = "cross"
        elif platform == "zhibo":
            group = "zhibo"
        else:
            group = "individual" if kind == "92" else "company"
        suffix = next(
            s for s in rng.sample(_STORE_SUFFIX[group], len(_STORE_SUFFIX[group])) if s not in used
        )
        used.add(suffix)
        if est_month >= sim.first_month:
            opened = est_month + rng.randint(0, 2)
        elif rng.random() < 0.85:
            opened = sim.first_month
        else:
            opened = rng.randint(sim.first_month, sim.last_month)
        store = Store(
            subject_id=_store_id(rng, platform, reg),
            platform=platform,
            name=f"{actor.zihao}{suffix}",
            opened=opened,
            share=share / sum(shares),
            cross_border=cross,
        )
        actor.stores.append(store)
        actor.ent.stores.append(store.subject_id)


def _chinese(sim: Simulation, reg: _Registry, kind: str, roles: tuple[str, ...]) -> Actor:
    rng = sim.rng
    city = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
    district = rng.choice(city.districts)
    industry = _goods_industry(rng, kind)
    established = _established(rng, sim, kind)
    name, name_en, zihao = _name(rng, kind, roles, city, district, industry, reg)
    head = (
        kind if kind in ("91", "92", "93") else kind + ("1" if kind == "Y" else rng.choice("123"))
    )
    uscc = make_uscc(head[0], head[1], district.code, _org_body(rng, established, reg, head))
    ent = SynthEnterprise(
        subject_id=uscc,
        uscc=uscc,
        name=name,
        name_en=name_en,
        region_code=district.code,
        city=city.name,
        entity_type=_ENTITY_TYPE[kind],
        roles=roles,
        legal_representative=person_name(rng),
        address=_address(rng, city, district),
        phone=_phone(rng, city, reg),
        established_on=established,
    )
    return Actor(
        ent=ent,
        city=city,
        district=district,
        industry=industry,
        zihao=zihao,
        logit=0.0,
        size=_size(rng, kind),
        goods="merchant" in roles or "livestream_seller" in roles,
        registered_capital=_capital(rng, kind, roles),
        business_scope=_scope(roles, industry),
    )


def _demo_operator(
    sim: Simulation, reg: _Registry, spec: tuple[str, str, str, str, str, tuple[str, str]]
) -> Actor:
    rng = sim.rng
    platform, short, code, zihao, zihao_py, (word, word_en) = spec
    city = next(c for c in CITIES if c.short == short)
    district = next(d for d in city.districts if d.code == code)
    established = date(rng.randint(2012, 2018), rng.randint(1, 12), rng.randint(1, 28))
    roles = ("platform_operator",)
    name = f"{city.short}{zihao}{word}有限公司"
    reg.names.add(name)
    uscc = make_uscc("9", "1", code, _org_body(rng, established, reg, "91"))
    ent = SynthEnterprise(
        subject_id=uscc,
        uscc=uscc,
        name=name,
        name_en=f"{city.pinyin} {zihao_py} {word_en} Co., Ltd.",
        region_code=code,
        city=city.name,
        entity_type="company",
        roles=roles,
        legal_representative=person_name(rng),
        address=_address(rng, city, district),
        phone=_phone(rng, city, reg),
        established_on=established,
        platform=platform,
    )
    industry = _INDUSTRY["electronics"]
    return Actor(
        ent=ent,
        city=city,
        district=district,
        industry=industry,
        zihao=zihao,
        logit=0.0,
        size=0.0,
        goods=False,
        registered_capital=_capital(rng, "91", roles),
        business_scope=_scope(roles, industry),
    )


def _foreign(sim: Simulation, reg: _Registry, with_lei: bool) -> Actor:
    rng = sim.rng
    country, suffix, _, _ = rng.choices(
        FOREIGN_COUNTRIES, weights=[c[2] for c in FOREIGN_COUNTRIES]
    )[0]
    while True:
        w1, w2 = rng.choice(FOREIGN_WORDS_1), rng.choice(FOREIGN_WORDS_2)
        name = f"{w1} {w2} {suffix}"
        if name not in reg.names:
            reg.names.add(name)
            break
    if with_lei:
        body = LEI_ISSUERS[country] + "00" + "".join(rng.choice(_LEI_BODY) for _ in range(12))
        subject = f"lei:{body}{mod_97_10.calc_check_digits(body)}"
    else:
        number = {
            "US": lambda: sim.digits(7),
            "DE": lambda: f"HRB{sim.digits(6)}",
            "JP": lambda: sim.digits(13),
            "GB": lambda: f"0{sim.digits(7)}",
            "SG": lambda: f"{rng.randint(2005, 2022)}{sim.digits(5)}{rng.choice('CDEGHKMNRWZ')}",
        }[country]()
        subject = f"foreign:{country}:{number}"
    established = sim.start - timedelta(days=rng.randint(400, 8000))
    ent = SynthEnterprise(
        subject_id=subject,
        uscc="",
        name=name,
        name_en=name,
        region_code="",
        city="",
        entity_type="foreign_company",
        roles=("cross_border", "merchant"),
        legal_representative=f"{rng.choice(('A.', 'J.', 'M.', 'K.', 'S.'))} {w1}",
        address=f"{rng.randint(1, 999)} {w1} Street, {country}",
        phone=f"+{_DIAL_CODES[country]} {sim.digits(9)}",
        established_on=established,
        registered=False,
        country=country,
    )
    return Actor(
        ent=ent,
        city=None,
        district=None,
        industry=rng.choices(INDUSTRIES, weights=INDUSTRY_WEIGHTS)[0],
        zihao=w1,
        logit=0.0,
        size=_size(rng, "foreign"),
        goods=True,
    )


def _link(
    sim: Simulation, actors: list[Actor], relation: str, groups: int, sizes: tuple[int, int]
) -> list[list[int]]:
    """Form groups that share a legal representative, an address or a phone; return their members."""
    rng = sim.rng
    by_place: dict[str, list[int]] = {}
    for i, a in enumerate(actors):
        if a.district is None or a.ent.platform or a.has_role("platform_operator"):
            continue
        key = a.district.code if relation == "address" else a.ent.city
        by_place.setdefault(key, []).append(i)
    places = sorted(by_place)
    out: list[list[int]] = []
    for _ in range(groups):
        pool = by_place[rng.choice(places)]
        size = min(rng.randint(*sizes), len(pool))
        if size < 2:
            continue
        members = rng.sample(pool, size)
        anchor = actors[members[0]]
        assert anchor.city is not None and anchor.district is not None
        shared_address = _address(rng, anchor.city, anchor.district, cluster=True)
        for i in members:
            ent = actors[i].ent
            if relation == "legal_representative":
                ent.legal_representative = anchor.ent.legal_representative
            elif relation == "address":
                ent.address = shared_address
            else:
                ent.phone = anchor.ent.phone
        out.append(members)
    return out


def build(sim: Simulation, n: int) -> list[Actor]:
    """The population: demo platform operators, Chinese parties, foreign sellers; with hidden risk."""
    if n < 10:
        raise ValueError("a population needs at least 10 enterprises")
    rng = sim.rng
    reg = _Registry()
    actors = [_demo_operator(sim, reg, spec) for spec in _DEMO_OPERATORS]
    kinds = {i: "91" for i in range(3)}
    n_lei = max(2, round(n * 0.005))
    n_foreign = max(2, round(n * 0.012))
    n_platforms = max(1, n // 1000)
    for _ in range(n - len(actors) - n_lei - n_foreign):
        kind = _weighted(rng, _KINDS)
        if n_platforms and kind == "91":
            roles: tuple[str, ...] = ("platform_operator",)
            n_platforms -= 1
        elif kind == "91":
            roles = rng.choices(
                [r for r, _ in _COMPANY_ROLES], weights=[w for _, w in _COMPANY_ROLES]
            )[0]
        elif kind == "92":
            roles = ("livestream_seller", "merchant") if rng.random() < 0.15 else ("merchant",)
        elif kind == "Y" and rng.random() < 0.5:
            roles = ("self_built_site", "merchant")
        else:
            roles = ("merchant",)
        kinds[len(actors)] = kind
        actors.append(_chinese(sim, reg, kind, roles))
    for i in range(n_foreign + n_lei):
        kinds[len(actors)] = "foreign"
        actors.append(_foreign(sim, reg, with_lei=i >= n_foreign))

    # related parties; shared addresses and phones gather the riskier sellers (shell networks)
    group_z: dict[int, list[float]] = {}
    for relation, share, sizes, mean in (
        ("legal_representative", 0.025, (2, 3), 0.5),
        ("address", 0.012, (3, 6), 0.9),
        ("phone", 0.010, (2, 4), 0.9),
    ):
        for members in _link(sim, actors, relation, max(1, round(n * share)), sizes):
            z = rng.gauss(mean, 0.8)
            for i in members:
                group_z.setdefault(i, []).append(z)

    for i, a in enumerate(actors):
        eps = rng.gauss(0.0, 1.0)
        zs = group_z.get(i)
        z = 0.6 * eps + 0.8 * sum(zs) / len(zs) if zs else eps
        logit = BASE_LOGIT + 1.25 * z + _KIND_LOGIT[kinds[i]]
        logit += sum(_ROLE_LOGIT.get(role, 0.0) for role in a.ent.roles)
        if a.ent.established_on > sim.start - timedelta(days=365):
            logit += 0.3
        a.logit = logit
        a.ent.risk = sigmoid(logit)
        _stores(rng, sim, a, kinds[i], reg)

    # a handful of Chinese parties whose registration market regulation never sends
    candidates = [
        i for i, a in enumerate(actors) if a.chinese and not a.has_role("platform_operator")
    ]
    for i in rng.sample(candidates, max(2, round(n * 0.004))):
        actors[i].ent.registered = False
    return actors
