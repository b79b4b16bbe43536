"""Check a published inspection plan (the JSON of GET /api/v1/inspections/plans/{id}) offline.

Nothing here trusts the platform: the population hash, the seed's commitment, the selection and
the assignments are all recomputed from the plan's own published fields with `draw`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecredit.core.supervision.draw import (
    PER_INSPECTION,
    SEED_BYTES,
    DrawError,
    Member,
    check_ratios,
    commitment,
    conflicts_by_key,
    draw,
    population_hash,
)

HEX64 = re.compile(r"^[0-9a-f]{64}$")
SEED_HEX = re.compile(f"^[0-9a-f]{{{2 * SEED_BYTES}}}$")
FORMAT = "ecredit-inspection-plan/1"


@dataclass(frozen=True)
class Check:
    """One line of a verification: what was checked, whether it holds (None: a note), the detail."""

    name: str
    ok: bool | None
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def holds(checks: list[Check]) -> bool:
    """A plan holds when no check failed and at least one passed."""
    return all(c.ok is not False for c in checks) and any(c.ok for c in checks)


def _diff(name: str, published: list[str], computed: list[str]) -> str:
    extra = sorted(set(published) - set(computed))
    missing = sorted(set(computed) - set(published))
    parts = []
    if extra:
        parts.append(
            f"published but not drawn: {', '.join(extra[:5])}" + (" …" if len(extra) > 5 else "")
        )
    if missing:
        parts.append(
            f"drawn but not published: {', '.join(missing[:5])}"
            + (" …" if len(missing) > 5 else "")
        )
    return f"{name}: " + "; ".join(parts)


def verify_plan(plan: Mapping[str, Any]) -> list[Check]:
    """Every check a published plan allows, in order; see `holds`."""
    checks: list[Check] = []
    add = checks.append
    plan_id = plan.get("id")
    if not isinstance(plan_id, str) or not plan_id:
        return [Check("plan", False, "the JSON has no plan id (`id`): not an inspection plan")]
    add(Check("plan", None, f"plan {plan_id} ({plan.get('status', 'unknown status')})"))
    if plan.get("population_hash") is None and plan.get("seed_commitment") is None:
        add(Check("plan", False, "nothing to check yet: the plan is a draft, not committed"))
        return checks

    # 1. the population and its hash
    members: list[Member] | None = None
    raw = plan.get("population")
    try:
        if not isinstance(raw, list):
            raise DrawError("population: expected a list of {key, class}")
        members = []
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise DrawError(f"population: {item!r:.80} is not a {{key, class}} object")
            members.append(Member(item["key"], str(item.get("class"))))
        digest = population_hash(members)
    except DrawError as exc:
        add(Check("population", False, str(exc)))
        members = None
    else:
        if digest == plan.get("population_hash"):
            add(
                Check(
                    "population",
                    True,
                    f"{len(members):,} enterprises hash to the published population_hash {digest[:16]}…",
                )
            )
        else:
            add(
                Check(
                    "population",
                    False,
                    f"the {len(members):,} enterprises hash to {digest}, the plan publishes "
                    f"{plan.get('population_hash')!r}",
                )
            )

    # 2. the ratios
    ratios: dict[str, float] | None = None
    try:
        given = plan.get("ratios")
        if not isinstance(given, dict):
            raise DrawError("ratios: expected {class: ratio}")
        ratios = check_ratios(given)
        add(Check("ratios", True, ", ".join(f"{c} {r:g}" for c, r in ratios.items())))
    except DrawError as exc:
        add(Check("ratios", False, str(exc)))

    # 3. the seed against its commitment
    committed = plan.get("seed_commitment")
    seed_hex = plan.get("seed")
    seed: bytes | None = None
    if not isinstance(committed, str) or not HEX64.match(committed):
        add(
            Check("commitment", False, "no seed_commitment (64 lower-case hex digits) is published")
        )
    elif seed_hex is None:
        add(
            Check(
                "commitment", None, f"the seed is not revealed yet; its commitment is {committed}"
            )
        )
    elif not isinstance(seed_hex, str) or not SEED_HEX.match(seed_hex):
        add(Check("commitment", False, f"the seed is not {SEED_BYTES} bytes of lower-case hex"))
    else:
        candidate = bytes.fromhex(seed_hex)
        if commitment(candidate) == committed:
            seed = candidate
            add(
                Check(
                    "commitment",
                    True,
                    "SHA-256 of the revealed seed equals the commitment published before the draw",
                )
            )
        else:
            add(
                Check(
                    "commitment",
                    False,
                    f"SHA-256 of the revealed seed is {commitment(candidate)}, not the committed "
                    f"{committed}: the seed was changed after the commitment",
                )
            )
    if seed is None or members is None or ratios is None:
        if seed_hex is not None:
            add(Check("draw", False, "not recomputed: the checks above must hold first"))
        return checks

    # 4. must-inspect, the selection, the assignments
    must = plan.get("must_inspect") or []
    forced: list[str] = []
    for item in must if isinstance(must, list) else []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            forced.append(item["key"])
    inspectors = plan.get("inspectors")
    conflicts = plan.get("conflicts") or []
    if not isinstance(inspectors, list) or not all(isinstance(i, str) for i in inspectors):
        add(Check("inspectors", False, "inspectors: expected a list of inspector ids"))
        return checks
    if not isinstance(conflicts, list) or not all(
        isinstance(c, dict)
        and isinstance(c.get("inspector"), str)
        and isinstance(c.get("key"), str)
        for c in conflicts
    ):
        add(Check("conflicts", False, "conflicts: expected a list of {inspector, key}"))
        return checks
    try:
        result = draw(seed, plan_id, members, ratios, forced, inspectors, conflicts)
    except DrawError as exc:
        add(Check("draw", False, str(exc)))
        return checks
    selected = plan.get("selected")
    published = [s for s in selected if isinstance(s, str)] if isinstance(selected, list) else []
    if sorted(published) == list(result.selected) and len(published) == len(result.selected):
        add(
            Check(
                "selection",
                True,
                f"HMAC-SHA256 of the seed selects the same {len(result.selected):,} enterprises "
                f"({len(set(forced)):,} of them must-inspect)",
            )
        )
    else:
        add(Check("selection", False, _diff("selection", published, list(result.selected))))
    missing_forced = sorted(set(forced) - set(published))
    if forced:
        add(
            Check(
                "must_inspect",
                not missing_forced,
                f"every must-inspect enterprise ({len(set(forced)):,}) is selected"
                if not missing_forced
                else f"must-inspect but not selected: {', '.join(missing_forced[:5])}",
            )
        )
    assignments = plan.get("assignments")
    if not isinstance(assignments, dict):
        add(Check("assignments", False, "assignments: expected {key: [inspector, inspector]}"))
        return checks
    wrong = [
        k
        for k in sorted(set(result.assignments) | set(assignments))
        if list(result.assignments.get(k, ())) != list(assignments.get(k) or [])
    ]
    if wrong:
        k = wrong[0]
        add(
            Check(
                "assignments",
                False,
                f"{len(wrong):,} assignment(s) differ; e.g. {k}: published "
                f"{assignments.get(k)}, recomputed {list(result.assignments.get(k, ()))}",
            )
        )
    else:
        add(
            Check(
                "assignments",
                True,
                f"the same {PER_INSPECTION} inspectors for each of the {len(result.assignments):,} "
                f"inspections, from a pool of {len(inspectors)}",
            )
        )
    banned = conflicts_by_key(conflicts)
    clashes = [
        (k, i)
        for k, pair in assignments.items()
        if isinstance(pair, list)
        for i in pair
        if i in banned.get(k, set())
    ]
    add(
        Check(
            "conflicts",
            not clashes,
            f"no inspector is assigned where they declared a conflict of interest ({len(conflicts)} declared)"
            if not clashes
            else f"{clashes[0][1]} is assigned to {clashes[0][0]} despite a declared conflict",
        )
    )
    results = plan.get("results") or []
    if isinstance(results, list) and results:
        wrong_results = [
            r.get("subject_id")
            for r in results
            if not isinstance(r, dict)
            or r.get("subject_id") not in result.assignments
            or list(r.get("inspectors") or []) != list(result.assignments[r["subject_id"]])
        ]
        add(
            Check(
                "results",
                not wrong_results,
                f"{len(results):,} result(s), each of a selected enterprise by its drawn inspectors"
                if not wrong_results
                else f"{len(wrong_results):,} result(s) of an enterprise not selected or by other "
                f"inspectors than drawn, e.g. {wrong_results[0]}",
            )
        )
    return checks
