"""API: list types and public list entries; an enterprise's own entries, objections and repairs;
filing objections and repair applications (enterprise token, multipart with files); regulators'
decisions."""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from ecredit.accounts.principals import Actor
from ecredit.core.lists import load_list_types, load_procedure
from ecredit.entities import queries as entity_queries
from ecredit.entities.models import Enterprise
from ecredit.lists import actions, queries
from ecredit.lists.attachments import AttachmentError, Upload
from ecredit.lists.models import ListEntry, Objection, RepairApplication
from ecredit.records.models import CreditRecord
from ecredit.web.auth import TokenAuth
from ecredit.web.schemas import ErrorOut, responses

router = Router(tags=["lists"])
ListKey = Enum("ListKey", {k: k for k in load_list_types()}, type=str)  # type: ignore[misc]
StepAction = Enum(  # type: ignore[misc]
    "StepAction", {a: a for a in ("notify", "list", "dismiss", "publish", "remove")}, type=str
)
Outcome = Enum("Outcome", {o: o for o in ("withdrawn", "corrected", "revoked")}, type=str)  # type: ignore[misc]
MAX_ID = 2**62
TEXT = r"\S"  # at least one character that is not white space
Json = {**responses(dict[str, Any]), 409: ErrorOut}


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except actions.Forbidden as exc:
        raise HttpError(403, str(exc)) from None
    except AttachmentError as exc:
        raise HttpError(
            413 if "limit" in str(exc) or "at most" in str(exc) else 400, str(exc)
        ) from None
    except ValueError as exc:  # the request conflicts with the state or a rule of due process
        raise HttpError(409, str(exc)) from None


def _uploads(files: list[UploadedFile] | None) -> list[Upload]:
    p = load_procedure()
    out = []
    for f in files or []:
        data = f.read(p.attachment_max_bytes + 1)
        out.append(Upload(f.name or "attachment", data))
    return out


@router.get("/lists/types", response=responses(list[dict[str, Any]]), summary="The list types")
def list_types(request: HttpRequest) -> list[dict[str, Any]]:
    counts = queries.counts()
    return [{**lt.to_json(), "published": counts[lt.key]} for lt in load_list_types().values()]


@router.get(
    "/lists/types/{key}/entries",
    response=responses(list[dict[str, Any]]),
    summary="The published entries of one list",
)
def list_entries(
    request: HttpRequest,
    key: ListKey,
    limit: int = Query(100, ge=1, le=1000),  # type: ignore[arg-type]
    offset: int = Query(0, ge=0, le=10_000_000),  # type: ignore[arg-type]
) -> list[dict[str, Any]]:
    rows = queries.published(key.value)[offset : offset + limit]
    return [queries.entry_json(e) for e in rows]


def _enterprise_for(actor: Actor, subject_id: str) -> Enterprise:
    e = entity_queries.get_enterprise(subject_id[:200])
    if e is None:
        raise HttpError(404, f"no enterprise holds the identifier {subject_id[:200]!r}")
    if not (actions.is_regulator(actor) or actor.enterprise_id == e.pk):
        raise HttpError(403, "an enterprise sees only its own entries, objections and repairs")
    return e


@router.get(
    "/lists/subjects/{path:subject_id}",
    auth=TokenAuth(),
    response=Json,
    summary="An enterprise's list entries (with every step), objections and repairs",
)
def subject_standing(request: HttpRequest, subject_id: str) -> dict[str, Any]:
    e = _enterprise_for(_actor(request), subject_id)
    today = timezone.localdate()
    return {
        "subject_id": e.subject_id,
        "memberships": [m.to_json() for m in queries.memberships(e, today)],
        "entries": [
            queries.entry_json(x, steps=True)
            for x in queries.entries_of(e).prefetch_related("steps")
        ],
        "objections": [queries.objection_json(o, today) for o in queries.objections_of(e)],
        "repairs": [
            queries.repair_json(r, today)
            for r in queries.repairs_of(e).prefetch_related("attachments")
        ],
    }


class ObjectionIn(Schema):
    target: str = Field(
        pattern=r"^(record|entry):[1-9][0-9]{0,17}$",
        description='what is objected to: "record:ID" (a record) or "entry:ID" (a list entry)',
    )
    reason: str = Field(min_length=1, max_length=5000, pattern=TEXT)


@router.post(
    "/lists/objections",
    auth=TokenAuth(),
    response=Json,
    summary="Object to a record or list entry about one's own enterprise (multipart, with files)",
)
def post_objection(
    request: HttpRequest,
    data: Form[ObjectionIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    actor = _actor(request)
    kind, _, number = data.target.partition(":")
    record = entry = None
    if kind == "record":
        record = CreditRecord.objects.filter(pk=int(number)).first()
        if record is None:
            raise HttpError(404, f"no record #{number}")
    else:
        entry = ListEntry.objects.filter(pk=int(number)).first()
        if entry is None:
            raise HttpError(404, f"no list entry #{number}")
    obj = _call(
        actions.file_objection,
        actor,
        record=record,
        entry=entry,
        reason=data.reason,
        files=_uploads(files),
    )
    return queries.objection_json(obj, timezone.localdate())


class AnswerIn(Schema):
    uphold: bool
    answer: str = Field(min_length=1, max_length=5000, pattern=TEXT)
    outcome: Outcome | None = None
    corrections: dict[str, str | int | float | bool | None] | None = Field(
        None, description="for outcome 'corrected': the corrected field values"
    )


@router.post(
    "/lists/objections/{objection_id}/answer",
    auth=TokenAuth(),
    response=Json,
    summary="A regulator upholds or rejects an objection",
)
def answer_objection(request: HttpRequest, objection_id: int, data: AnswerIn) -> dict[str, Any]:
    obj = Objection.objects.filter(pk=min(objection_id, MAX_ID)).first()
    if obj is None:
        raise HttpError(404, f"no objection #{objection_id}")
    obj = _call(
        actions.answer_objection,
        _actor(request),
        obj,
        uphold=data.uphold,
        answer=data.answer,
        outcome=data.outcome.value if data.outcome else "",
        corrections=data.corrections,
    )
    return queries.objection_json(obj, timezone.localdate())


class RepairIn(Schema):
    record: int = Field(ge=1, le=MAX_ID)
    correction: str = Field(min_length=1, max_length=5000, pattern=TEXT)
    commitment: str = Field(min_length=1, max_length=5000, pattern=TEXT)


def _own_record(actor: Actor, record_id: int) -> CreditRecord:
    record = CreditRecord.objects.filter(pk=record_id).first()
    if record is None:
        raise HttpError(404, f"no record #{record_id}")
    if not (actions.is_regulator(actor) or actor.enterprise_id == record.enterprise_id):
        raise HttpError(403, "an enterprise may ask only about its own records")
    return record


@router.get(
    "/lists/repairs/check",
    auth=TokenAuth(),
    response=Json,
    summary="What the platform checks before a credit repair, and the first day to apply",
)
def repair_check(
    request: HttpRequest,
    record: int = Query(..., ge=1, le=MAX_ID),  # type: ignore[arg-type]
) -> dict[str, Any]:
    rec = _own_record(_actor(request), record)
    return {"record": rec.pk, **actions.repair_check(rec).to_json()}


@router.post(
    "/lists/repairs",
    auth=TokenAuth(),
    response=Json,
    summary="Apply for credit repair of one's own record (multipart, with files)",
)
def post_repair(
    request: HttpRequest,
    data: Form[RepairIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    actor = _actor(request)
    rec = _own_record(actor, data.record)
    app = _call(
        actions.apply_for_repair,
        actor,
        rec,
        correction=data.correction,
        commitment=data.commitment,
        files=_uploads(files),
    )
    return queries.repair_json(app, timezone.localdate())


class DecisionIn(Schema):
    approve: bool
    reason: str = Field(min_length=1, max_length=5000, pattern=TEXT)


@router.post(
    "/lists/repairs/{application_id}/decision",
    auth=TokenAuth(),
    response=Json,
    summary="A regulator approves or rejects a credit-repair application",
)
def decide_repair(request: HttpRequest, application_id: int, data: DecisionIn) -> dict[str, Any]:
    app = RepairApplication.objects.filter(pk=min(application_id, MAX_ID)).first()
    if app is None:
        raise HttpError(404, f"no repair application #{application_id}")
    app = _call(
        actions.decide_repair, _actor(request), app, approve=data.approve, reason=data.reason
    )
    return queries.repair_json(app, timezone.localdate())


class ProposalIn(Schema):
    subject_id: str = Field(max_length=200)
    list_type: ListKey
    reason: str = Field(min_length=1, max_length=2000, pattern=TEXT)
    records: list[int] = Field(default_factory=list, max_length=100)
    leaves: list[int] = Field(default_factory=list, max_length=100)


@router.post(
    "/lists/entries", auth=TokenAuth(), response=Json, summary="A regulator proposes an entry"
)
def post_entry(request: HttpRequest, data: ProposalIn) -> dict[str, Any]:
    actor = _actor(request)
    if not actions.is_regulator(actor):
        raise HttpError(403, "only a regulator may propose a list entry")
    e = entity_queries.get_enterprise(data.subject_id)
    if e is None:
        raise HttpError(404, f"no enterprise holds the identifier {data.subject_id!r}")
    entry = _call(
        actions.propose,
        actor,
        e,
        data.list_type.value,
        reason=data.reason,
        evidence={"records": data.records, "leaves": data.leaves},
    )
    return queries.entry_json(entry, steps=True)


class StepIn(Schema):
    action: StepAction
    reason: str = Field(min_length=1, max_length=2000, pattern=TEXT)


@router.post(
    "/lists/entries/{entry_id}/steps",
    auth=TokenAuth(),
    response=Json,
    summary="A regulator moves an entry on: notify, list, dismiss, publish or remove",
)
def post_step(request: HttpRequest, entry_id: int, data: StepIn) -> dict[str, Any]:
    actor = _actor(request)
    if not actions.is_regulator(actor):
        raise HttpError(403, "only a regulator may decide on a list entry")
    entry = ListEntry.objects.filter(pk=min(entry_id, MAX_ID)).first()
    if entry is None:
        raise HttpError(404, f"no list entry #{entry_id}")
    entry = _call(actions.advance, actor, entry, data.action.value, reason=data.reason)
    return queries.entry_json(entry, steps=True)
