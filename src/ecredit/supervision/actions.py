"""Writes of differentiated supervision: inspectors, conflicts, and a plan's whole lifecycle.

draft (`create_plan`) → committed (`commit_plan`: population frozen, hash and seed commitment
published, a leaf) → drawn (`draw_plan`: seed revealed, selection and assignments stored, a leaf)
→ results recorded (`record_results`: each result a credit record through ingestion and a leaf)
→ closed (`close_plan`). Each step is one transaction with its audit entry and ledger leaves.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.dictionary import load_dictionary
from ecredit.core.identifiers import InvalidIdentifier, parse_subject_id
from ecredit.core.supervision import (
    SEED_BYTES,
    DrawError,
    Member,
    check_pool,
    check_ratios,
    commitment,
    draw,
    load_rules,
    population_hash,
    population_json,
)
from ecredit.entities.models import Enterprise
from ecredit.ledger import actions as ledger
from ecredit.ratings.models import Evaluation
from ecredit.records import actions as records
from ecredit.records.models import CreditRecord
from ecredit.supervision import leaves
from ecredit.supervision.models import (
    ConflictOfInterest,
    InspectionPlan,
    InspectionResult,
    Inspector,
)

RESULT_TYPE = "inspection_result"
MAX_POOL = 200
MAX_RESULTS = 2_000
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
REGION = re.compile(r"^[0-9]{0,6}$")
# One line of text with something in it: no control characters (C0, DEL, C1), not only spaces.
LINE = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"


def _line(value: str, what: str, limit: int) -> str:
    """`value` stripped, if it is one line of 1 to `limit` characters; InspectionError if not."""
    if not re.match(LINE, value) or len(value) > limit:
        raise InspectionError(f"{what}: 1 to {limit} characters on one line")
    return value.strip()


class InspectionError(ValueError):
    """The request cannot be done; nothing was changed. The message says why."""


class NotAllowed(InspectionError):
    """The actor may not do this (only regulators and operators run inspections)."""


class NotFound(InspectionError):
    """No such plan, inspector or enterprise."""


class WrongState(InspectionError):
    """The plan is not in the state this step needs, or the thing exists already."""


@dataclass
class RecordedResults:
    plan: InspectionPlan
    stored: int
    unchanged: int


def require_regulator(actor: Actor) -> None:
    if actor.role not in ("regulator", "admin"):
        raise NotAllowed(
            f"{actor.label} ({actor.role}) may not run inspections; a regulator's token is needed"
        )


def _plan_for_update(plan_id: str) -> InspectionPlan:
    plan = InspectionPlan.objects.select_for_update().filter(public_id=plan_id).first()
    if plan is None:
        raise NotFound(
            f"no inspection plan {plan_id[:40]!r}; GET /api/v1/inspections/plans lists them"
        )
    return plan


def _state(plan: InspectionPlan, *wanted: str, doing: str) -> None:
    if plan.status not in wanted:
        raise WrongState(
            f"plan {plan.public_id} is {plan.status}; it must be {' or '.join(wanted)} to {doing}"
        )


def add_inspector(
    actor: Actor, *, code: str, name: str, organisation_id: int | None = None
) -> Inspector:
    """Add an inspector to the pool plans draw from."""
    require_regulator(actor)
    if not CODE.match(code):
        raise InspectionError(
            f"inspector code {code[:60]!r}: 1 to 40 lower-case letters, digits, '-' or '_'"
        )
    name = _line(name, "inspector name", 100)
    try:
        with transaction.atomic():
            inspector = Inspector.objects.create(
                code=code, name=name, organisation_id=organisation_id or actor.organisation_id
            )
            audit.record(actor, "inspector.add", "Inspector", inspector.pk, code=code)
    except IntegrityError:
        raise WrongState(f"an inspector {code!r} exists already") from None
    return inspector


def declare_conflict(
    actor: Actor, *, inspector: str, subject_id: str, reason: str
) -> ConflictOfInterest:
    """Record that `inspector` may not inspect the enterprise; plans committed from now on never
    assign them to it (a committed plan keeps the conflicts it published)."""
    require_regulator(actor)
    reason = _line(reason, "reason", 300)
    person = Inspector.objects.filter(code=inspector).first()
    if person is None:
        raise NotFound(f"no inspector {inspector[:40]!r}")
    enterprise = _enterprise(subject_id)
    with transaction.atomic():
        conflict, created = ConflictOfInterest.objects.get_or_create(
            inspector=person,
            enterprise=enterprise,
            defaults={"reason": reason, "declared_by": actor.label},
        )
        if created:
            audit.record(
                actor,
                "inspector.conflict",
                "ConflictOfInterest",
                conflict.pk,
                inspector=inspector,
                subject_id=enterprise.subject_id,
            )
    return conflict


def _enterprise(subject_id: str) -> Enterprise:
    try:
        sid = str(parse_subject_id(subject_id))
    except InvalidIdentifier as exc:
        raise InspectionError(f"subject_id {subject_id[:60]!r}: {exc}") from None
    found = Enterprise.objects.filter(identifiers__value=sid).first()
    if found is None:
        raise NotFound(f"no enterprise {sid}")
    return found


def create_plan(
    actor: Actor,
    *,
    name: str,
    inspectors: Sequence[str],
    due_on: date,
    region: str = "",
    ratios: Mapping[str, float] | None = None,
    authority: str = "",
    provider: str = "market-regulation",
) -> InspectionPlan:
    """A draft plan. Ratios default to the rules' (`core/supervision/inspection-rules-v1.toml`)
    for the region; the inspector pool must hold at least two known, active inspectors."""
    require_regulator(actor)
    name = _line(name, "name", 200)
    if not REGION.match(region):
        raise InspectionError(f"region {region[:20]!r}: up to 6 digits of a division code prefix")
    if due_on < timezone.localdate():
        raise InspectionError(f"due_on {due_on} is in the past")
    rules = load_rules()
    if ratios is None:
        chosen = rules.ratios_for(region)
        configured = [c for c in rules.regions if region.startswith(c)]
        source = f"region {max(configured, key=len)}" if configured else "default"
    else:
        try:
            chosen = check_ratios(ratios)
        except DrawError as exc:
            raise InspectionError(str(exc)) from None
        source = "plan"
    pool = list(inspectors)
    if len(pool) != len(set(pool)):
        raise InspectionError("inspectors: an inspector is listed twice")
    if not 2 <= len(pool) <= MAX_POOL:
        raise InspectionError(f"inspectors: a pool of 2 to {MAX_POOL}; got {len(pool)}")
    known = set(Inspector.objects.filter(code__in=pool, active=True).values_list("code", flat=True))
    unknown = [c for c in pool if c not in known]
    if unknown:
        raise NotFound(
            f"inspectors: no active inspector {unknown[0][:40]!r} (add one with "
            "POST /api/v1/inspections/inspectors or `ecredit inspections inspector`)"
        )
    dictionary = load_dictionary()
    if provider not in dictionary.providers or not dictionary.may_submit(provider, RESULT_TYPE):
        raise InspectionError(f"provider {provider[:64]!r} may not submit {RESULT_TYPE} records")
    authority = (
        _line(authority, "authority", 100)
        if authority.strip()
        else dictionary.providers[provider].name_zh
    )
    with transaction.atomic():
        plan = InspectionPlan.objects.create(
            public_id=f"draft-{secrets.token_hex(8)}",
            name=name,
            region=region,
            provider=provider,
            authority=authority,
            ratios=chosen,
            ratios_source=source,
            rules_version=rules.version,
            must_inspect_rules=[r.to_json() for r in rules.must_inspect],
            inspectors=sorted(pool),
            due_on=due_on,
            created_by=actor.label,
        )
        plan.public_id = f"IP{plan.pk:06d}"
        plan.save(update_fields=["public_id"])
        audit.record(actor, "inspection.plan", "InspectionPlan", plan.public_id, name=name)
    return plan


def _population(plan: InspectionPlan) -> tuple[list[Member], dict[str, int]]:
    """The enterprises of the plan's region with a published risk class: members, and key -> pk."""
    rows = Evaluation.objects.filter(is_latest=True).select_related(None)
    if plan.region:
        rows = rows.filter(enterprise__region_code__startswith=plan.region)
    members: list[Member] = []
    pks: dict[str, int] = {}
    for key, risk_class, pk in rows.values_list(
        "enterprise__subject_id", "risk_class", "enterprise_id"
    ):
        members.append(Member(key, risk_class))
        pks[key] = pk
    return members, pks


def _must_inspect(
    plan: InspectionPlan, pks: Mapping[str, int], as_of: date
) -> list[dict[str, Any]]:
    """`[{"key", "rules"}]` of the population's enterprises that the must-inspect rules name."""
    rules = load_rules()
    by_pk = {pk: key for key, pk in pks.items()}
    found: dict[str, list[tuple[str, date, dict[str, Any]]]] = defaultdict(list)
    for rule in rules.must_inspect:
        earliest = date.fromordinal(as_of.toordinal() - rule.within_days + 1)
        rows = CreditRecord.objects.filter(
            type_name=rule.type_name,
            is_current=True,
            occurred_on__gte=earliest,
            occurred_on__lte=as_of,
        ).values_list("enterprise_id", "occurred_on", "values")
        for pk, occurred, values in rows:
            if pk in by_pk:
                found[by_pk[pk]].append((rule.type_name, occurred, values))
    out = []
    for key in sorted(found):
        names = rules.reasons(found[key], as_of)
        if names:
            out.append({"key": key, "rules": names})
    return out


def commit_plan(actor: Actor, plan_id: str) -> InspectionPlan:
    """Freeze the population, pick and keep the secret seed, publish the hash and commitment."""
    require_regulator(actor)
    with transaction.atomic():
        plan = _plan_for_update(plan_id)
        _state(plan, InspectionPlan.DRAFT, doing="commit it")
        members, pks = _population(plan)
        if not members:
            raise InspectionError(
                f"plan {plan.public_id}: no enterprise "
                + (f"of region {plan.region} " if plan.region else "")
                + "has a risk class yet; run an evaluation first"
            )
        as_of = timezone.localdate()
        conflicts = sorted(
            (
                {"inspector": code, "key": key}
                for code, key in ConflictOfInterest.objects.filter(
                    inspector__code__in=plan.inspectors, enterprise_id__in=pks.values()
                ).values_list("inspector__code", "enterprise__subject_id")
            ),
            key=lambda c: (c["key"], c["inspector"]),
        )
        try:
            check_pool(members, plan.inspectors, conflicts)
            digest = population_hash(members)
        except DrawError as exc:
            raise InspectionError(f"plan {plan.public_id}: {exc}") from None
        seed = secrets.token_bytes(SEED_BYTES)
        plan.as_of = as_of
        plan.population = population_json(members)
        plan.population_hash = digest
        plan.must_inspect = _must_inspect(plan, pks, as_of)
        plan.conflicts = conflicts
        plan.seed = seed
        plan.seed_commitment = commitment(seed)
        plan.status = InspectionPlan.COMMITTED
        plan.committed_at = timezone.now()
        plan.commitment_ledger_index = ledger.append(
            leaves.COMMITMENT, [leaves.commitment_fields(plan)]
        )
        plan.save()
        audit.record(
            actor,
            "inspection.commit",
            "InspectionPlan",
            plan.public_id,
            population=len(members),
            population_hash=digest,
            seed_commitment=plan.seed_commitment,
        )
    return plan


def draw_plan(actor: Actor, plan_id: str) -> InspectionPlan:
    """Reveal the seed, select and assign by the published rule, and store the outcome."""
    require_regulator(actor)
    with transaction.atomic():
        plan = _plan_for_update(plan_id)
        _state(plan, InspectionPlan.COMMITTED, doing="draw it")
        seed = bytes(plan.seed or b"")
        if commitment(seed) != plan.seed_commitment:
            raise InspectionError(
                f"plan {plan.public_id}: the stored seed no longer matches its commitment; "
                "the plan cannot be drawn (an operator should investigate)"
            )
        members = [Member(p["key"], p["class"]) for p in plan.population]
        try:
            result = draw(
                seed,
                plan.public_id,
                members,
                plan.ratios,
                [m["key"] for m in plan.must_inspect],
                plan.inspectors,
                plan.conflicts,
            )
        except DrawError as exc:
            raise InspectionError(f"plan {plan.public_id}: {exc}") from None
        plan.selected = list(result.selected)
        plan.assignments = {k: list(v) for k, v in result.assignments.items()}
        plan.status = InspectionPlan.DRAWN
        plan.drawn_at = timezone.now()
        plan.draw_ledger_index = ledger.append(leaves.DRAW, [leaves.draw_fields(plan)])
        plan.save()
        audit.record(
            actor,
            "inspection.draw",
            "InspectionPlan",
            plan.public_id,
            selected=len(plan.selected),
        )
    return plan


def record_results(
    actor: Actor, plan_id: str, results: Sequence[Mapping[str, Any]]
) -> RecordedResults:
    """Store results of a drawn plan's inspections: each becomes an `inspection_result` record
    through `records.actions.ingest_batch` (validated by the dictionary, versioned, public) and an
    `inspection-result/v1` leaf. A result sent again unchanged changes nothing; a changed one is a
    correction. All or nothing: one bad result refuses the whole call."""
    require_regulator(actor)
    if not results:
        raise InspectionError("results: none given")
    if len(results) > MAX_RESULTS:
        raise InspectionError(f"results: at most {MAX_RESULTS:,} per call; got {len(results):,}")
    with transaction.atomic():
        plan = _plan_for_update(plan_id)
        _state(plan, InspectionPlan.DRAWN, InspectionPlan.REPORTED, doing="record results")
        chosen = set(plan.selected)
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for n, item in enumerate(results, start=1):
            raw = str(item.get("subject_id", ""))
            try:
                key = str(parse_subject_id(raw))
            except InvalidIdentifier as exc:
                raise InspectionError(f"result {n}: subject_id {raw[:60]!r}: {exc}") from None
            if key not in chosen:
                raise InspectionError(
                    f"result {n}: {key} was not selected by plan {plan.public_id}"
                )
            if key in seen:
                raise InspectionError(f"result {n}: {key} appears twice")
            drawn_on = timezone.localdate(plan.drawn_at) if plan.drawn_at else None
            day = item.get("inspected_on")
            if isinstance(day, str):
                with contextlib.suppress(ValueError):  # the dictionary names the mistake below
                    day = date.fromisoformat(day)
            if isinstance(day, date) and drawn_on and day < drawn_on:
                raise InspectionError(
                    f"result {n}: inspected_on {day} is before the plan was drawn ({drawn_on})"
                )
            seen.add(key)
            rows.append(
                {
                    "subject_id": key,
                    "plan_id": plan.public_id,
                    "inspected_on": item.get("inspected_on"),
                    "authority": plan.authority,
                    "result": item.get("result"),
                    "findings": item.get("findings") or None,
                    "inspectors": ";".join(plan.assignments[key]),
                }
            )
        submitter = Actor(
            label=f"{actor.label} (inspection plan {plan.public_id})",
            role="submitter",
            organisation_id=actor.organisation_id,
            provider_key=plan.provider,
        )
        report = records.ingest_batch(
            submitter, type_name=RESULT_TYPE, provider=plan.provider, records=rows
        )
        if report.rejected:
            first = report.errors[0]
            raise InspectionError(
                f"result {first.row}: {first.field}: {first.message}"
                + (f" (and {report.rejected - 1} more)" if report.rejected > 1 else "")
            )
        current = {
            r.subject_id: r
            for r in CreditRecord.objects.filter(
                type_name=RESULT_TYPE,
                provider=plan.provider,
                is_current=True,
                natural_key__in=[f"{plan.public_id}|{row['subject_id']}" for row in rows],
            )
        }
        stored = unchanged = 0
        new_leaves: list[tuple[InspectionResult, dict[str, Any]]] = []
        for row in rows:
            record = current[row["subject_id"]]
            existing = InspectionResult.objects.filter(
                plan=plan, key=row["subject_id"], is_current=True
            ).first()
            if existing is not None and existing.record_id == record.pk:
                unchanged += 1
                continue
            if existing is not None:  # a correction: the old version keeps its row and its leaf
                existing.is_current = False
                existing.save(update_fields=["is_current"])
            values = record.values
            result = InspectionResult.objects.create(
                plan=plan,
                key=row["subject_id"],
                version=existing.version + 1 if existing else 1,
                enterprise_id=record.enterprise_id,
                result=values["result"],
                inspected_on=date.fromisoformat(values["inspected_on"]),
                findings=values.get("findings", ""),
                inspectors=plan.assignments[row["subject_id"]],
                record=record,
                recorded_by=actor.label,
            )
            new_leaves.append(
                (result, leaves.result_fields(result, plan.public_id, record.ledger_index))
            )
            stored += 1
        if new_leaves:
            first_index = ledger.append(leaves.RESULT, [f for _, f in new_leaves])
            for offset, (result, _) in enumerate(new_leaves):
                result.ledger_index = first_index + offset
                result.save(update_fields=["ledger_index"])
        if (
            plan.results.filter(is_current=True).count() == len(plan.selected)
            and plan.status == InspectionPlan.DRAWN
        ):
            plan.status = InspectionPlan.REPORTED
            plan.save(update_fields=["status"])
        audit.record(
            actor,
            "inspection.results",
            "InspectionPlan",
            plan.public_id,
            stored=stored,
            unchanged=unchanged,
            submission=report.submission_id,
        )
    return RecordedResults(plan, stored, unchanged)


def close_plan(actor: Actor, plan_id: str) -> InspectionPlan:
    """Close a plan whose every selected enterprise has a result."""
    require_regulator(actor)
    with transaction.atomic():
        plan = _plan_for_update(plan_id)
        if plan.status == InspectionPlan.DRAWN:
            missing = len(plan.selected) - plan.results.filter(is_current=True).count()
            raise WrongState(
                f"plan {plan.public_id} still lacks {missing} result(s); record them first"
            )
        _state(plan, InspectionPlan.REPORTED, doing="close it")
        plan.status = InspectionPlan.CLOSED
        plan.closed_at = timezone.now()
        plan.save(update_fields=["status", "closed_at"])
        audit.record(actor, "inspection.close", "InspectionPlan", plan.public_id)
    return plan
