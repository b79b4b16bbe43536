"""Every write of lists, objections and credit repair: one transaction each, with its ledger leaf
and audit entry inside.

Who may do what: a regulator (or the platform, `Actor.system`) proposes, notifies, decides,
publishes and removes entries, answers objections and decides repairs; an enterprise user files
objections and repair applications about its own enterprise only. The rating engine's lists are
moved by the periodic `sweep`, through the same states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.dictionary import load_dictionary
from ecredit.core.lists import (
    OPEN_STATES,
    IllegalTransition,
    ListType,
    load_list_types,
    load_procedure,
    next_state,
)
from ecredit.core.lists.proposals import RecordFact, Standing, meets
from ecredit.core.lists.repair import RepairCheck, check_repair
from ecredit.core.lists.workflow import last_listed_day, objection_window_end
from ecredit.entities.models import Enterprise
from ecredit.ledger import actions as ledger
from ecredit.lists import attachments
from ecredit.lists.attachments import Upload
from ecredit.lists.models import Attachment, ListEntry, ListStep, Objection, RepairApplication
from ecredit.records import actions as records
from ecredit.records.models import CreditRecord, Withdrawal

MAX_TEXT = 5000
SWEEP_CHUNK = 2000  # proposals per transaction (and per IN list: SQLite limits its variables)


class ListsError(ValueError):
    """A list, objection or repair step that cannot be taken; the message says why."""


class Forbidden(ListsError):
    """The actor may not take this step."""


def _today() -> date:
    return timezone.localdate()


def _day(on: date | None, after: date | None = None) -> date:
    today = _today()
    on = on or today
    if on > today:
        raise ListsError(f"the day {on} is in the future")
    if after is not None and on < after:
        raise ListsError(f"the day {on} is before the previous step ({after})")
    return on


def _text(value: str, what: str, limit: int = MAX_TEXT) -> str:
    value = "".join(ch for ch in (value or "") if ch.isprintable() or ch in "\n\t").strip()
    if not value:
        raise ListsError(f"{what} is required")
    if len(value) > limit:
        raise ListsError(f"{what} is longer than {limit:,} characters")
    return value


def is_regulator(actor: Actor) -> bool:
    return actor.role in ("regulator", "admin")


def _require_regulator(actor: Actor, what: str) -> None:
    if not is_regulator(actor):
        raise Forbidden(f"only a regulator may {what}")


def _require_own(actor: Actor, enterprise_id: int, what: str) -> None:
    if actor.role != "enterprise" or actor.enterprise_id is None:
        raise Forbidden(f"only a user of the enterprise concerned may {what}")
    if actor.enterprise_id != enterprise_id:
        raise Forbidden(f"an enterprise may {what} only about itself")


def list_type(key: str) -> ListType:
    types = load_list_types()
    if key not in types:
        raise ListsError(f"unknown list {key[:40]!r}; lists: {', '.join(types)}")
    return types[key]


# --- list entries ------------------------------------------------------------------------------


def _record_steps(
    actor: Actor, moves: list[tuple[ListEntry, str, str, str, dict[str, Any]]], day: date
) -> list[ListStep]:
    """Record steps (entry, action, state after, reason, evidence) made on `day`: one ledger
    append for all, one bulk insert, one audit entry."""
    steps = [
        ListStep(
            entry=entry,
            action=action,
            from_state="" if action == "propose" else entry.state,
            to_state=to,
            on=day,
            by=actor.label,
            reason=reason[:2000],
            evidence=evidence,
        )
        for entry, action, to, reason, evidence in moves
    ]
    first = ledger.append(
        "list-decision/v1",
        [
            {
                "entry": s.entry.pk,
                "list": s.entry.list_type,
                "subject_id": s.entry.enterprise.subject_id,
                "action": s.action,
                "state": s.to_state,
                "on": day,
                "reason": s.reason,
                "evidence": s.evidence,
                "by": actor.label,
            }
            for s in steps
        ],
    )
    for i, step in enumerate(steps):
        step.ledger_index = first + i
    ListStep.objects.bulk_create(steps)
    if steps:
        audit.record(
            actor,
            f"lists.{steps[0].action}" if len({s.action for s in steps}) == 1 else "lists.steps",
            "list_entry",
            steps[0].entry.pk if len(steps) == 1 else "",
            entries=[s.entry.pk for s in steps][:1000],
            count=len(steps),
            on=day.isoformat(),
        )
    return steps


def propose(
    actor: Actor,
    enterprise: Enterprise,
    list_key: str,
    *,
    reason: str,
    evidence: dict[str, Any] | None = None,
    on: date | None = None,
) -> ListEntry:
    """Propose `enterprise` for a list (a regulator by hand, or the sweep from records/grades)."""
    _require_regulator(actor, "propose a list entry")
    reason = _text(reason, "a reason", 2000)
    ev = _evidence(evidence)
    [entry] = _propose_many(actor, list_type(list_key), [(enterprise, reason, ev)], _day(on))
    return entry


def _propose_many(
    actor: Actor,
    lt: ListType,
    items: list[tuple[Enterprise, str, dict[str, Any]]],
    day: date,
) -> list[ListEntry]:
    with transaction.atomic():
        ids = [e.pk for e, _, _ in items]
        list(Enterprise.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
        taken = ListEntry.objects.filter(
            list_type=lt.key, enterprise_id__in=ids, state__in=OPEN_STATES
        ).values_list("enterprise__subject_id", flat=True)
        for sid in taken[:1]:
            raise ListsError(f"{sid} already has an open entry on {lt.key}")
        entries = ListEntry.objects.bulk_create(
            [
                ListEntry(
                    list_type=lt.key,
                    enterprise=enterprise,
                    state="proposed",
                    reason=reason,
                    evidence=ev,
                    proposed_on=day,
                    proposed_by=actor.label,
                )
                for enterprise, reason, ev in items
            ]
        )
        steps = _record_steps(
            actor, [(e, "propose", "proposed", e.reason, e.evidence) for e in entries], day
        )
        for entry, step in zip(entries, steps, strict=True):
            entry.ledger_index = step.ledger_index
        ListEntry.objects.bulk_update(entries, ["ledger_index"])
    return entries


def _evidence(evidence: dict[str, Any] | None) -> dict[str, Any]:
    """Evidence as {"records": [ids], "leaves": [indexes]}, each id an existing one."""
    evidence = evidence or {}
    if not isinstance(evidence, dict) or set(evidence) - {"records", "leaves"}:
        raise ListsError('evidence is {"records": [record ids], "leaves": [ledger indexes]}')
    out: dict[str, Any] = {}
    for k in ("records", "leaves"):
        values = evidence.get(k, [])
        if not isinstance(values, list | tuple) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**62 for v in values
        ):
            raise ListsError(f"evidence {k} must be a list of ids")
        if len(values) > 100:
            raise ListsError(f"at most 100 evidence {k}")
        out[k] = sorted(set(values))
    known = set(CreditRecord.objects.filter(pk__in=out["records"]).values_list("pk", flat=True))
    missing = [r for r in out["records"] if r not in known]
    if missing:
        raise ListsError(f"no record #{missing[0]}")
    return out


def advance(
    actor: Actor, entry: ListEntry, action: str, *, reason: str, on: date | None = None
) -> ListEntry:
    """Take one step on an entry: notify, list, dismiss, publish or remove (revoke is for an
    upheld objection). Illegal steps raise `IllegalTransition` naming the allowed ones."""
    _require_regulator(actor, "decide on a list entry")
    if action in ("propose", "revoke"):
        raise IllegalTransition(
            f"{action!r} is not a step on an entry; "
            + ("propose a new entry" if action == "propose" else "uphold an objection instead")
        )
    reason = _text(reason, "a reason", 2000)
    with transaction.atomic():
        entry = ListEntry.objects.select_for_update().select_related("enterprise").get(pk=entry.pk)
        [entry] = _advance_many(actor, [(entry, reason)], action, on)
        return entry


def _advance_many(
    actor: Actor, items: list[tuple[ListEntry, str]], action: str, on: date | None
) -> list[ListEntry]:
    """Take `action` on each (locked) entry with its reason, all on one day."""
    if not items:
        return []
    ids = [e.pk for e, _ in items]
    last = dict(
        ListStep.objects.filter(entry_id__in=ids)
        .values("entry_id")
        .annotate(m=Max("on"))
        .values_list("entry_id", "m")
    )
    objected = set(
        Objection.objects.filter(entry_id__in=ids, state=Objection.OPEN).values_list(
            "entry_id", flat=True
        )
    )
    day = _day(on)
    moves = []
    for entry, reason in items:
        to = next_state(entry.state, action)
        _day(day, last.get(entry.pk, entry.proposed_on))
        lt = list_type(entry.list_type)
        if action == "list":
            window = entry.objection_until if lt.objection_days > 0 else None
            if window is not None and day <= window:
                raise IllegalTransition(
                    f"the objection window runs to {entry.objection_until}; decide from "
                    f"{entry.objection_until + timedelta(days=1)}"
                )
            if entry.pk in objected:
                raise IllegalTransition("an objection to this entry is open; answer it first")
        evidence = entry.evidence if action == "list" else {}
        moves.append((entry, action, to, reason, evidence))
    steps = _record_steps(actor, moves, day)
    fields = {"state", "ledger_index"}
    for (entry, _a, to, _r, _e), step in zip(moves, steps, strict=True):
        lt = list_type(entry.list_type)
        if action == "notify":
            entry.notified_on = day
            entry.objection_until = objection_window_end(day, lt.objection_days)
            fields |= {"notified_on", "objection_until"}
        elif action == "list":
            entry.decided_on = day
            entry.decision_ledger_index = step.ledger_index
            fields |= {"decided_on", "decision_ledger_index"}
        elif action == "publish":
            entry.published_on = day
            entry.until = last_listed_day(day, lt.duration_days)
            fields |= {"published_on", "until"}
        else:  # dismiss, remove, revoke
            entry.closed_on = day
            fields.add("closed_on")
        entry.state = to
        entry.ledger_index = step.ledger_index
    entries = [m[0] for m in moves]
    ListEntry.objects.bulk_update(entries, sorted(fields))
    return entries


# --- the periodic sweep ------------------------------------------------------------------------


@dataclass
class SweepReport:
    proposed: list[int] = field(default_factory=list)
    advanced: list[tuple[int, str]] = field(default_factory=list)
    closed: list[tuple[int, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "proposed": self.proposed,
            "advanced": [{"entry": e, "action": a} for e, a in self.advanced],
            "closed": [{"entry": e, "action": a} for e, a in self.closed],
        }


def standings(today: date, only: list[int] | None = None) -> list[Standing]:
    """What the list rules read about each enterprise today (or about `only`)."""
    from ecredit.ratings.models import Evaluation, NegativePoolEntry

    types = load_list_types().values()
    wanted = {t for lt in types for t in (*lt.entry.records, *lt.entry.no_records)}
    rq = (
        CreditRecord.objects.filter(is_current=True, type_name__in=wanted)
        .exclude(withdrawal__effective_on__lte=today)
        .order_by("enterprise_id", "occurred_on", "id")
    )
    eq = Evaluation.objects.filter(is_latest=True)
    pq = NegativePoolEntry.objects.filter(left_on__isnull=True)
    ents = Enterprise.objects.order_by("pk")
    if only is not None:
        rq, eq, pq = (
            rq.filter(enterprise_id__in=only),
            eq.filter(enterprise_id__in=only),
            pq.filter(enterprise_id__in=only),
        )
        ents = ents.filter(pk__in=only)
    recs: dict[int, list[RecordFact]] = {}
    for pk, ent, t, occ, values, leaf, until in rq.values_list(
        "pk", "enterprise_id", "type_name", "occurred_on", "values", "ledger_index", "public_until"
    ).iterator(chunk_size=5000):
        recs.setdefault(ent, []).append(RecordFact(pk, t, occ, values, leaf, until))
    grades = {
        ent: (g, c, leaf)
        for ent, g, c, leaf in eq.values_list(
            "enterprise_id", "grade", "risk_class", "ledger_index"
        )
    }
    pool = dict(pq.values_list("enterprise_id", "ledger_index"))
    out = []
    for pk in ents.values_list("pk", flat=True).iterator(chunk_size=5000):
        g = grades.get(pk)
        out.append(
            Standing(
                enterprise_id=pk,
                records=tuple(recs.get(pk, ())),
                grade=g[0] if g else None,
                risk_class=g[1] if g else None,
                evaluation_ledger_index=g[2] if g else None,
                pool_ledger_index=pool.get(pk) if pk in pool else None,
            )
        )
    return out


def sweep(actor: Actor, today: date | None = None, only: list[int] | None = None) -> SweepReport:
    """Propose who meets a list's rule and has no open entry; close entries whose rule no longer
    holds (dismiss before publication, remove after); remove published entries past their last
    day; move rating-engine lists on (notify, then list and publish once the objection window has
    passed with no open objection). An entry closed on the same evidence is not proposed again.
    Each list's proposals are one transaction, and so is each kind of step."""
    today = _day(today)
    report = SweepReport()
    stand = standings(today, only)
    enterprises = (
        Enterprise.objects.all() if only is None else Enterprise.objects.filter(pk__in=only)
    )
    for lt in load_list_types().values():
        hits = meets(lt, stand, today)
        open_entries = ListEntry.objects.filter(list_type=lt.key, state__in=OPEN_STATES)
        closed = ListEntry.objects.exclude(state__in=OPEN_STATES).filter(list_type=lt.key)
        if only is not None:
            open_entries = open_entries.filter(enterprise_id__in=only)
            closed = closed.filter(enterprise_id__in=only)
        held = set(open_entries.values_list("enterprise_id", flat=True))
        seen = {
            (e, tuple(ev.get("leaves", [])))
            for e, ev in closed.values_list("enterprise_id", "evidence")
        }
        new = {
            ent_id: g
            for ent_id, g in hits.items()
            if ent_id not in held and (ent_id, tuple(sorted(set(g.leaves)))) not in seen
        }
        pending = list(new.items())
        for i in range(0, len(pending), SWEEP_CHUNK):  # one transaction per chunk of proposals
            chunk = pending[i : i + SWEEP_CHUNK]
            by_pk = enterprises.in_bulk([pk for pk, _ in chunk])
            entries = _propose_many(
                actor,
                lt,
                [
                    (
                        by_pk[pk],
                        g.reason[:2000],
                        {"records": sorted(set(g.records)), "leaves": sorted(set(g.leaves))},
                    )
                    for pk, g in chunk
                ],
                today,
            )
            report.proposed += [e.pk for e in entries]
        open_ids = list(open_entries.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(open_ids), SWEEP_CHUNK):
            _sweep_steps(actor, lt, open_ids[i : i + SWEEP_CHUNK], hits, today, report)
    return report


def _sweep_steps(
    actor: Actor,
    lt: ListType,
    ids: list[int],
    hits: dict[int, Any],
    today: date,
    report: SweepReport,
) -> None:
    """The sweep's steps on some open entries of one list, in one transaction."""
    with transaction.atomic():
        rows = list(
            ListEntry.objects.select_for_update()
            .select_related("enterprise")
            .filter(pk__in=ids, state__in=OPEN_STATES)
        )
        objected = set(
            Objection.objects.filter(
                entry_id__in=[e.pk for e in rows], state=Objection.OPEN
            ).values_list("entry_id", flat=True)
        )
        planned: dict[str, list[tuple[ListEntry, str]]] = {}
        for entry in rows:
            action = _sweep_action(
                lt, entry, entry.enterprise_id in hits, entry.pk in objected, today
            )
            if action is not None:
                why = _SWEEP_REASONS[action]
                if action == "remove" and entry.until is not None and entry.until < today:
                    why = "the last listed day has passed"
                planned.setdefault(action, []).append((entry, why))
        for action in ("dismiss", "remove", "notify", "list", "publish"):
            items = planned.get(action, [])
            done = _advance_many(actor, items, action, today)
            (report.closed if action in ("remove", "dismiss") else report.advanced).extend(
                (e.pk, action) for e in done
            )
            if action == "list" and done:
                planned.setdefault("publish", []).extend(
                    (e, "decided by the rating engine") for e in done
                )


_SWEEP_REASONS = {
    "remove": "the entry rule no longer holds",
    "dismiss": "the entry rule no longer holds",
    "notify": "decided by the rating engine",
    "list": "objection window passed with no open objection",
    "publish": "decided by the rating engine",
}


def _sweep_action(
    lt: ListType, entry: ListEntry, holds: bool, objected: bool, today: date
) -> str | None:
    if entry.state == "published":
        if not holds or (entry.until is not None and entry.until < today):
            return "remove"
        return None
    if not holds:
        return "dismiss"
    if lt.decided_by != "rating-engine":
        return None
    if entry.state == "proposed":
        return "notify"
    if entry.state == "notified":
        window_over = entry.objection_until is None or entry.objection_until < today
        if window_over and not objected:
            return "list"
        return None
    if entry.state == "decided":
        return "publish"
    return None


# --- objections --------------------------------------------------------------------------------


def _attach(files: list[Upload], **owner: Any) -> list[str]:
    checked = attachments.check(files)
    hashes = []
    for upload, kind, digest in checked:
        attachments.store(upload.data, digest)
        Attachment.objects.create(
            name=upload.name, content_type=kind, size=len(upload.data), sha256=digest, **owner
        )
        hashes.append(digest)
    return hashes


def file_objection(
    actor: Actor,
    *,
    record: CreditRecord | None = None,
    entry: ListEntry | None = None,
    reason: str,
    files: list[Upload] | None = None,
) -> Objection:
    """An enterprise objects to a record or a list entry about itself, with attachments."""
    if (record is None) == (entry is None):
        raise ListsError("an objection is to one record or one list entry")
    target = record if record is not None else entry
    assert target is not None
    _require_own(actor, target.enterprise_id, "object")
    reason = _text(reason, "the reason for the objection")
    attachments.check(files or [])  # refuse bad files before anything is written
    if entry is not None and entry.state not in OPEN_STATES:
        raise ListsError(f"the entry is {entry.state}; there is nothing to object to")
    today = _today()
    with transaction.atomic():
        Enterprise.objects.select_for_update().filter(pk=target.enterprise_id).first()
        if record is not None and not record.is_current:
            raise ListsError("this record has a newer version; object to that one")
        if record is not None and Withdrawal.objects.filter(record=record).exists():
            raise ListsError("this record is already withdrawn; it no longer counts")
        dup = Objection.objects.filter(state=Objection.OPEN, record=record, entry=entry)
        if dup.exists():
            raise ListsError("an objection to this is already open")
        obj = Objection.objects.create(
            enterprise_id=target.enterprise_id,
            record=record,
            entry=entry,
            reason=reason,
            filed_on=today,
            filed_by=actor.label,
            answer_due=today + timedelta(days=load_procedure().objection_answer_days),
        )
        hashes = _attach(files or [], objection=obj)
        obj.ledger_index = ledger.append(
            "objection/v1", [_objection_leaf(obj, "filed", "", today, reason, hashes, actor)]
        )
        obj.save(update_fields=["ledger_index"])
        audit.record(actor, "lists.object", "objection", obj.pk, target=obj.target)
    return obj


def _objection_leaf(
    obj: Objection,
    action: str,
    outcome: str,
    on: date,
    reason: str,
    hashes: list[str],
    actor: Actor,
) -> dict[str, Any]:
    return {
        "objection": obj.pk,
        "subject_id": obj.enterprise.subject_id,
        "target": obj.target,
        "action": action,
        "outcome": outcome,
        "on": on,
        "reason": reason,
        "attachments": hashes,
        "by": actor.label,
    }


OUTCOMES = {"record": ("withdrawn", "corrected"), "entry": ("revoked",)}


def answer_objection(
    actor: Actor,
    objection: Objection,
    *,
    uphold: bool,
    answer: str,
    outcome: str = "",
    corrections: dict[str, Any] | None = None,
    regrade: bool = True,
) -> Objection:
    """A regulator answers: upheld (the record is withdrawn or corrected by a new version, or the
    entry revoked; the grade is recomputed) or rejected with reasons."""
    _require_regulator(actor, "answer an objection")
    answer = _text(answer, "the answer")
    today = _today()
    kind = "record" if objection.record_id else "entry"
    if uphold:
        outcome = outcome or OUTCOMES[kind][0]
        if outcome not in OUTCOMES[kind]:
            raise ListsError(
                f"an upheld objection to a {kind} is {' or '.join(OUTCOMES[kind])}, not {outcome!r}"
            )
        if outcome == "corrected" and not corrections:
            raise ListsError("a correction needs the corrected field values")
    else:
        outcome = ""
    with transaction.atomic():
        obj = (
            Objection.objects.select_for_update().select_related("enterprise").get(pk=objection.pk)
        )
        if obj.state != Objection.OPEN:
            raise IllegalTransition(f"objection #{obj.pk} was already {obj.state}")
        if uphold and kind == "record":
            _fix_record(actor, obj, outcome, corrections or {}, answer, today)
        elif uphold:
            entry = (
                ListEntry.objects.select_for_update()
                .select_related("enterprise")
                .get(pk=obj.entry_id)
            )
            if entry.state in OPEN_STATES:
                _advance_many(
                    actor,
                    [(entry, f"objection #{obj.pk} upheld: {answer}"[:2000])],
                    "revoke",
                    today,
                )
            else:  # closed by rule meanwhile: the objection is upheld, nothing is left to revoke
                outcome = ""
        obj.state = Objection.UPHELD if uphold else Objection.REJECTED
        obj.outcome = outcome
        obj.answer = answer
        obj.answered_on = today
        obj.answered_by = actor.label
        obj.answer_ledger_index = ledger.append(
            "objection/v1",
            [_objection_leaf(obj, obj.state, outcome, today, answer, [], actor)],
        )
        obj.save()
        audit.record(actor, "lists.answer", "objection", obj.pk, state=obj.state, outcome=outcome)
    if uphold:
        _after_change(actor, obj.enterprise_id, today, regrade)
    return obj


def _fix_record(
    actor: Actor, obj: Objection, outcome: str, corrections: dict[str, Any], why: str, on: date
) -> None:
    record = obj.record
    assert record is not None
    if outcome == "withdrawn":
        records.withdraw(
            actor, record, basis="objection", reason=f"objection #{obj.pk}: {why}", on=on
        )
        return
    values = {**record.values, **{str(k): v for k, v in corrections.items()}}
    for key_field in load_dictionary().record_type(record.type_name).natural_key:
        if str(values.get(key_field)) != str(record.values.get(key_field)):
            raise ListsError(f"a correction cannot change {key_field}, part of the record's key")
    report = records.ingest_batch(
        _platform(actor, f"objection#{obj.pk}"),
        type_name=record.type_name,
        provider=record.provider,
        records=[values],
    )
    if report.rejected:
        e = report.errors[0]
        raise ListsError(f"the corrected record is not valid: {e.field}: {e.message}")
    if not report.corrected:
        raise ListsError("the corrected values are the same as the record's")


def _platform(actor: Actor, why: str) -> Actor:
    """The platform writing a record on a regulator's or enterprise's decision (through ingestion,
    so it is a version with its leaf like any other)."""
    return Actor(label=f"{actor.label} ({why})"[:200], role="admin")


def _after_change(actor: Actor, enterprise_id: int, today: date, regrade: bool) -> None:
    """Recompute the enterprise's grade and its list entries after a record stopped counting."""
    from ecredit.ratings.actions import evaluate_all

    if regrade:
        evaluate_all(_platform(actor, "re-evaluation"), today, only=[enterprise_id])
    sweep(Actor.system("lists-sweep"), today, only=[enterprise_id])


# --- credit repair -----------------------------------------------------------------------------


def repair_check(record: CreditRecord, today: date | None = None) -> RepairCheck:
    """What the platform can check of repairing `record` today, and the first day to apply."""
    today = today or _today()
    rtype = load_dictionary().types.get(record.type_name)
    min_days = None
    if rtype is not None and rtype.publicity is not None:
        try:
            min_days = rtype.publicity.period_for(record.values).min_days
        except ValueError:
            min_days = None
    later = (
        CreditRecord.objects.filter(enterprise_id=record.enterprise_id, is_current=True)
        .exclude(pk=record.pk)
        .exclude(withdrawal__effective_on__lte=today)
        .values_list("type_name", "occurred_on", "values")
    )
    return check_repair(
        type_name=record.type_name,
        occurred_on=record.occurred_on,
        min_days=min_days,
        later=list(later),
        today=today,
        procedure=load_procedure(),
    )


def apply_for_repair(
    actor: Actor,
    record: CreditRecord,
    *,
    correction: str,
    commitment: str,
    files: list[Upload] | None = None,
) -> RepairApplication:
    """An enterprise applies to repair one of its records: the conditions the platform can check
    must hold; the credit commitment is published as a credit_commitment record."""
    _require_own(actor, record.enterprise_id, "apply for credit repair")
    correction = _text(correction, "how the breach was corrected")
    commitment = _text(commitment, "the credit commitment")
    attachments.check(files or [])
    today = _today()
    if not record.is_current:
        raise ListsError("this record has a newer version; apply for that one")
    if Withdrawal.objects.filter(record=record).exists():
        raise ListsError("this record is already withdrawn from public view")
    check = repair_check(record, today)
    if not check.ok:
        failed = "; ".join(c.en for c in check.conditions if not c.ok)
        raise ListsError(f"credit repair is not possible yet: {failed}")
    with transaction.atomic():
        Enterprise.objects.select_for_update().filter(pk=record.enterprise_id).first()
        if RepairApplication.objects.filter(record=record, state=RepairApplication.OPEN).exists():
            raise ListsError("an application to repair this record is already open")
        app = RepairApplication.objects.create(
            enterprise_id=record.enterprise_id,
            record=record,
            correction=correction,
            commitment=commitment,
            conditions=check.to_json(),
            filed_on=today,
            filed_by=actor.label,
            decide_by=today + timedelta(days=load_procedure().repair_decision_days),
        )
        hashes = _attach(files or [], repair=app)
        app.commitment_record = _publish_commitment(actor, app, record, today)
        app.ledger_index = ledger.append(
            "repair/v1", [_repair_leaf(app, "filed", today, correction, hashes, actor)]
        )
        app.save(update_fields=["commitment_record", "ledger_index"])
        audit.record(actor, "lists.repair.apply", "repair_application", app.pk, record=record.pk)
    return app


def _publish_commitment(
    actor: Actor, app: RepairApplication, record: CreditRecord, today: date
) -> CreditRecord:
    rtype = load_dictionary().record_type("credit_commitment")
    provider = record.provider if record.provider in rtype.providers else rtype.providers[-1]
    authority = str(record.values.get("authority") or provider)[:100]
    report = records.ingest_batch(
        _platform(actor, f"repair#{app.pk}"),
        type_name="credit_commitment",
        provider=provider,
        records=[
            {
                "subject_id": record.subject_id,
                "commitment_no": f"ECREDIT-REPAIR-{app.pk}",
                "made_on": today.isoformat(),
                "to_authority": authority,
                "kind": "repair",
                "content": app.commitment,
            }
        ],
    )
    if report.rejected:
        e = report.errors[0]
        raise ListsError(f"the commitment cannot be published: {e.field}: {e.message}")
    return CreditRecord.objects.get(
        type_name="credit_commitment",
        provider=provider,
        is_current=True,
        submission_id=report.submission_id,
    )


def _repair_leaf(
    app: RepairApplication, action: str, on: date, reason: str, hashes: list[str], actor: Actor
) -> dict[str, Any]:
    return {
        "application": app.pk,
        "subject_id": app.enterprise.subject_id,
        "record": app.record_id,
        "action": action,
        "on": on,
        "reason": reason,
        "commitment": app.commitment_record_id,
        "attachments": hashes,
        "by": actor.label,
    }


def decide_repair(
    actor: Actor,
    application: RepairApplication,
    *,
    approve: bool,
    reason: str,
    regrade: bool = True,
) -> RepairApplication:
    """A regulator approves (the record leaves public view and stops counting from today; the
    grade is recomputed) or rejects with reasons. Approval re-checks the conditions."""
    _require_regulator(actor, "decide a credit-repair application")
    reason = _text(reason, "the reason for the decision")
    today = _today()
    with transaction.atomic():
        app = (
            RepairApplication.objects.select_for_update()
            .select_related("enterprise", "record")
            .get(pk=application.pk)
        )
        if app.state != RepairApplication.OPEN:
            raise IllegalTransition(f"application #{app.pk} was already {app.state}")
        if approve:
            check = repair_check(app.record, today)
            if not check.ok:
                failed = "; ".join(c.en for c in check.conditions if not c.ok)
                raise ListsError(f"the conditions no longer hold: {failed}")
            records.withdraw(
                actor, app.record, basis="repair", reason=f"repair #{app.pk}: {reason}", on=today
            )
        app.state = RepairApplication.APPROVED if approve else RepairApplication.REJECTED
        app.decision = reason
        app.decided_on = today
        app.decided_by = actor.label
        app.decision_ledger_index = ledger.append(
            "repair/v1", [_repair_leaf(app, app.state, today, reason, [], actor)]
        )
        app.save()
        audit.record(actor, "lists.repair.decide", "repair_application", app.pk, state=app.state)
    if approve:
        _after_change(actor, app.enterprise_id, today, regrade)
    return app
