"""The draw of a "double random" inspection plan: who is inspected and by whom, from a seed.

Everything here is a pure function of published data, so anyone can recompute a draw:

- the population is a list of ``{"key": <USCC or primary identifier>, "class": "A".."D"}``;
  its hash is SHA-256 of the RFC 8785 canonical JSON of that list sorted by key
  (``population_hash``);
- before the draw the plan publishes ``commitment(seed)`` = SHA-256(seed), hex;
- an enterprise is selected when
  ``u = int.from_bytes(HMAC-SHA256(seed, plan_id + ":" + key)[:8], "big") / 2**64``
  is below the ratio of its class, or when a must-inspect rule named it (whatever its u);
- each selected enterprise gets the two inspectors of the pool whose
  HMAC-SHA256(seed, plan_id + ":inspector:" + key + ":" + inspector_id) are lowest (bytes
  compared), skipping any inspector with a declared conflict of interest with it.

Strings are UTF-8; the seed is the 32 raw bytes (published as 64 hex digits).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import rfc8785

CLASSES = ("A", "B", "C", "D")
SEED_BYTES = 32
PER_INSPECTION = 2


class DrawError(ValueError):
    """Published data that cannot make a draw; the message says which part and why."""


@dataclass(frozen=True)
class Member:
    """One enterprise of a plan's population: its key and its risk class."""

    key: str
    risk_class: str


@dataclass(frozen=True)
class Draw:
    """The outcome of a draw: who is selected (sorted by key) and the two inspectors of each."""

    selected: tuple[str, ...]
    assignments: dict[str, tuple[str, ...]] = field(default_factory=dict)


def population_json(population: Iterable[Member]) -> list[dict[str, str]]:
    """The population as published: ``{"key", "class"}`` objects sorted by key."""
    return [{"key": m.key, "class": m.risk_class} for m in sorted(population, key=lambda m: m.key)]


def population_hash(population: Iterable[Member]) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of the population sorted by key."""
    members = list(population)
    check_population(members)
    return hashlib.sha256(rfc8785.dumps(population_json(members))).hexdigest()


def check_population(population: Sequence[Member]) -> None:
    """DrawError unless every key is non-empty and unique and every class is A, B, C or D."""
    twice = sorted(k for k, n in Counter(m.key for m in population).items() if n > 1)
    if twice:
        raise DrawError(f"population: keys occur twice: {', '.join(twice[:5])}")
    bad = [m for m in population if m.risk_class not in CLASSES]
    if bad:
        raise DrawError(
            f"population: {bad[0].key} has class {bad[0].risk_class!r}; expected one of A, B, C, D"
        )
    if any(not m.key for m in population):
        raise DrawError("population: an empty key")


def commitment(seed: bytes) -> str:
    """The commitment published before the draw: SHA-256(seed), hex."""
    return hashlib.sha256(seed).hexdigest()


def check_ratios(ratios: Mapping[str, float]) -> dict[str, float]:
    """The ratios of the four classes, each a number from 0 to 1; DrawError otherwise."""
    if set(ratios) != set(CLASSES):
        raise DrawError(
            f"ratios: need exactly the classes A, B, C, D; got {', '.join(sorted(ratios)) or 'none'}"
        )
    out: dict[str, float] = {}
    for c in CLASSES:
        r = ratios[c]
        if isinstance(r, bool) or not isinstance(r, int | float) or not 0 <= r <= 1:
            raise DrawError(f"ratios: {c} is {r!r}; expected a number from 0 to 1")
        out[c] = float(r)
    return out


def u_value(seed: bytes, plan_id: str, key: str) -> float:
    """The enterprise's uniform number in [0, 1) for this plan and seed."""
    mac = hmac.new(seed, f"{plan_id}:{key}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big") / 2**64


def inspector_order(seed: bytes, plan_id: str, key: str, inspectors: Iterable[str]) -> list[str]:
    """The pool ordered for one enterprise by HMAC-SHA256(seed, plan:inspector:key:id), lowest first."""

    def rank(inspector: str) -> bytes:
        msg = f"{plan_id}:inspector:{key}:{inspector}".encode()
        return hmac.new(seed, msg, hashlib.sha256).digest()

    return sorted(inspectors, key=lambda i: (rank(i), i))


def assign(
    seed: bytes,
    plan_id: str,
    key: str,
    inspectors: Iterable[str],
    conflicted: Iterable[str] = (),
    per: int = PER_INSPECTION,
) -> tuple[str, ...]:
    """The `per` inspectors for one enterprise: the lowest-ranked of the pool, skipping those
    with a declared conflict of interest. DrawError when fewer than `per` are free of conflict."""
    banned = set(conflicted)
    chosen = [i for i in inspector_order(seed, plan_id, key, inspectors) if i not in banned]
    if len(chosen) < per:
        raise DrawError(
            f"{key}: only {len(chosen)} inspector(s) of the pool without a conflict of interest; "
            f"each inspection needs {per}"
        )
    return tuple(chosen[:per])


def conflicts_by_key(conflicts: Iterable[Mapping[str, str]]) -> dict[str, set[str]]:
    """``[{"inspector", "key"}, ...]`` as key -> inspectors who may not inspect it."""
    out: dict[str, set[str]] = {}
    for c in conflicts:
        out.setdefault(c["key"], set()).add(c["inspector"])
    return out


def check_pool(
    population: Sequence[Member],
    inspectors: Sequence[str],
    conflicts: Iterable[Mapping[str, str]],
    per: int = PER_INSPECTION,
) -> None:
    """Before committing: every member of the population could get `per` inspectors."""
    if len(set(inspectors)) != len(inspectors):
        raise DrawError("inspectors: an inspector is listed twice")
    if len(inspectors) < per:
        raise DrawError(f"inspectors: the pool has {len(inspectors)}; at least {per} are needed")
    banned = conflicts_by_key(conflicts)
    for m in population:
        free = len(set(inspectors) - banned.get(m.key, set()))
        if free < per:
            raise DrawError(
                f"{m.key}: only {free} inspector(s) of the pool have no conflict of interest "
                f"with it; each inspection needs {per}"
            )


def draw(
    seed: bytes,
    plan_id: str,
    population: Sequence[Member],
    ratios: Mapping[str, float],
    must_inspect: Iterable[str] = (),
    inspectors: Sequence[str] = (),
    conflicts: Iterable[Mapping[str, str]] = (),
) -> Draw:
    """Select and assign: the whole rule of the module docstring, in one call."""
    if len(seed) != SEED_BYTES:
        raise DrawError(f"seed: {len(seed)} bytes; a seed is {SEED_BYTES} bytes")
    check_population(population)
    rates = check_ratios(ratios)
    keys = {m.key for m in population}
    forced = set(must_inspect)
    outside = sorted(forced - keys)
    if outside:
        raise DrawError(f"must_inspect: {outside[0]} is not in the population")
    selected = sorted(
        m.key
        for m in population
        if m.key in forced or u_value(seed, plan_id, m.key) < rates[m.risk_class]
    )
    banned = conflicts_by_key(conflicts)
    assignments = (
        {k: assign(seed, plan_id, k, inspectors, banned.get(k, ())) for k in selected}
        if inspectors
        else {}
    )
    return Draw(tuple(selected), assignments)
