"""`ecredit ledger audit`: recompute every leaf from the database and the tree from the leaves.

What is checked, streaming the log in chunks of leaves (the demo holds ~180k):

1. Rows against leaves. Every row that claims a leaf (a `CreditRecord`, an `Evaluation`, a
   `NegativePoolEntry` for its decision to enter and, once it left, its decision to leave) is
   encoded again with the same functions the write paths use (`records.actions.record_leaf`,
   `ratings.actions.evaluation_leaf`, `ratings.actions.pool_leaf`, `core.ledger.leaves.encode`) and
   compared with the stored leaf. A difference means the row was edited behind the application's
   back; the problem names the row, its subject and the fields that differ.
2. Leaves against rows: every leaf is claimed by exactly one row, every claimed index exists.
3. Leaves against their hashes: each leaf's data hashes (RFC 9162, H(0x00 || data)) to the hash
   stored beside it.
4. The tree: the leaves are appended to a `MemoryStore` log, and every stored node strip (the
   nodes created by 32 leaves, `ledger.store`) is compared with the rebuilt nodes. A node that
   differs while its two children agree is where the tree was broken; nodes above a differing
   node are its consequences and are not listed again.
5. Checkpoints: each was signed by the log's key over the root of the tree it names, and that root
   is the rebuilt tree's root at its size; each cosignature verifies with its witness's key.

Writes that land while the audit runs are not flagged: rows and checkpoints beyond the log's size
are compared with the size read again at the end.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from ecredit.core.ledger import (
    AppendBatch,
    MemoryStore,
    MerkleTree,
    NodeId,
    NoteError,
    VerifierKey,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    stored_nodes,
)
from ecredit.core.ledger.hashing import hasher
from ecredit.core.ledger.leaves import LeafError, encode, leaf_object
from ecredit.core.ledger.store import STRIP_BITS, STRIP_LEAVES
from ecredit.ledger import actions
from ecredit.ledger.api import blob
from ecredit.ledger.models import Checkpoint, Cosignature, Leaf, LogHead, NodeStrip
from ecredit.ratings.actions import evaluation_leaf, pool_leaf
from ecredit.ratings.models import Evaluation, NegativePoolEntry
from ecredit.records.actions import content_hash, record_leaf
from ecredit.records.models import CreditRecord

CHUNK = 4096  # leaves per round of queries; a multiple of the 32 leaves of a node strip
MAX_LISTED = 10  # sizes listed in a grouped checkpoint problem, nodes in a strip


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that does not hold. `kind`: record, evaluation, pool, leaf, tree, checkpoint or
    cosignature; `id` and `subject` name the row for the first three."""

    kind: str
    message: str
    index: int | None = None
    id: int | None = None
    subject: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "index": self.index,
            "id": self.id,
            "subject": self.subject,
            "message": self.message,
        }


@dataclass
class AuditReport:
    origin: str
    algorithm: str
    size: int
    root: str = ""
    leaves: int = 0
    records: int = 0
    evaluations: int = 0
    pool_decisions: int = 0
    inspections: int = 0
    decisions: int = 0  # list steps, objections, repairs, withdrawals, reports and consents
    strips: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    unledgered: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "origin": self.origin,
            "algorithm": self.algorithm,
            "size": self.size,
            "root": self.root,
            "leaves": self.leaves,
            "records": self.records,
            "evaluations": self.evaluations,
            "pool_decisions": self.pool_decisions,
            "inspections": self.inspections,
            "decisions": self.decisions,
            "strips": self.strips,
            "checkpoints": self.checkpoints,
            "cosignatures": self.cosignatures,
            "unledgered": self.unledgered,
            "problems": [p.to_json() for p in self.problems],
            "seconds": round(self.seconds, 3),
        }


class RebuiltStore(MemoryStore):
    """A `MemoryStore` that keeps no leaf data (an audit needs only hashes) and lets the audit read
    the nodes by post-order key."""

    def __init__(self, algorithm: str) -> None:
        super().__init__(algorithm)
        self.by_key: list[bytes] = []

    def append(self, batch: AppendBatch) -> None:
        blank = [b""] * len(batch.entries)
        super().append(AppendBatch(batch.start, blank, batch.leaf_hashes, batch.nodes))
        self.by_key.extend(batch.nodes)


def strip_nodes(strip: int, size: int) -> Iterator[NodeId]:
    """The nodes of a node strip in key order: those completed by its leaves below `size`."""
    for j in range(strip << STRIP_BITS, min((strip + 1) << STRIP_BITS, size)):
        yield (0, j)
        done = j + 1
        for level in range(1, (done & -done).bit_length()):
            yield (level, (done >> level) - 1)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A row that claims a leaf, and the leaf it should be."""

    kind: str  # record, evaluation, pool
    id: int
    subject: str
    label: str
    leaf_kind: str
    fields: dict[str, Any]


def _claims(lo: int, hi: int) -> dict[int, list[_Claim]]:
    """Every row claiming a leaf in [lo, hi), by index."""
    out: dict[int, list[_Claim]] = {}

    def add(index: int, claim: _Claim) -> None:
        out.setdefault(index, []).append(claim)

    records = CreditRecord.objects.filter(ledger_index__gte=lo, ledger_index__lt=hi).only(
        "id",
        "type_name",
        "provider",
        "natural_key",
        "version",
        "subject_id",
        "occurred_on",
        "received_at",
        "content_hash",
        "values",
        "ledger_index",
    )
    for r in records.order_by():
        label = (
            f"record {r.pk} ({r.type_name} {r.natural_key} v{r.version}, subject {r.subject_id})"
        )
        add(
            r.ledger_index,
            _Claim("record", r.pk, r.subject_id, label, "record/v1", record_leaf(r)),
        )
    evaluations = (
        Evaluation.objects.filter(ledger_index__gte=lo, ledger_index__lt=hi)
        .select_related("enterprise", "model_version")
        .only(
            "id",
            "run",
            "enterprise",
            "enterprise__subject_id",
            "as_of",
            "score",
            "grade",
            "risk_class",
            "candidate_grade",
            "rule",
            "system_version",
            "policy_version",
            "model_version",
            "model_version__version",
            "risk",
            "ledger_index",
        )
    )
    for ev in evaluations.order_by():
        subject = ev.enterprise.subject_id
        label = f"evaluation {ev.pk} (run {ev.run_id}, as of {ev.as_of}, subject {subject})"
        add(
            ev.ledger_index,
            _Claim("evaluation", ev.pk, subject, label, "evaluation/v1", evaluation_leaf(ev)),
        )
    pool = NegativePoolEntry.objects.order_by()
    for action, column, on, by in (
        ("entered", "ledger_index", "entered_on", "entered_by__run"),
        ("left", "left_ledger_index", "left_on", "left_by__run"),
    ):
        rows = pool.filter(**{f"{column}__gte": lo, f"{column}__lt": hi}).values(
            "id", "enterprise__subject_id", "reason", column, on, by
        )
        for row in rows:
            subject = row["enterprise__subject_id"]
            label = f"pool entry {row['id']} ({action} on {row[on]}, subject {subject})"
            fields = pool_leaf(subject, action, row[on], row["reason"], row[by])
            add(row[column], _Claim("pool", row["id"], subject, label, "pool/v1", fields))
    from ecredit.supervision.queries import ledger_claims  # inspection plans and results

    for index, kind, pk, subject, label, leaf_kind, fields in ledger_claims(lo, hi):
        add(index, _Claim(kind, pk, subject, label, leaf_kind, fields))

    from ecredit.lists.audit import claims as list_claims

    for index, *claim in list_claims(lo, hi):
        add(index, _Claim(*claim))

    from ecredit.reports.audit import claims as report_claims

    for index, *claim in report_claims(lo, hi):
        add(index, _Claim(*claim))
    return out


def _values_hash_holds(claim: _Claim) -> bool:
    """For a record: its values still hash to its content_hash (`records.actions.content_hash`)."""
    if claim.kind != "record":
        return True
    fields = claim.fields
    try:
        return bool(content_hash(fields["type"], fields["values"]) == fields["content_hash"])
    except (TypeError, ValueError):
        return False


def _differences(kind: str, fields: dict[str, Any], stored: bytes) -> str:
    """Which fields of the leaf rebuilt from a row differ from the stored leaf."""
    try:
        expected = leaf_object(kind, fields)
        found = json.loads(stored.decode("utf-8"))
    except (LeafError, ValueError):
        return "the stored leaf is not a leaf"
    if not isinstance(found, dict):
        return "the stored leaf is not a JSON object"
    names = [n for n in expected if json.dumps(expected[n]) != json.dumps(found.get(n))]
    names += [n for n in found if n not in expected]
    return ", ".join(names) if names else "the encoding"


class _Auditor:
    def __init__(self, report: AuditReport, chunk: int) -> None:
        self.report = report
        self.chunk = chunk
        self.hasher = hasher(report.algorithm)
        self.store = RebuiltStore(report.algorithm)
        self.tree = MerkleTree(self.store)
        self.bad_nodes: set[NodeId] = set()

    def problem(self, kind: str, message: str, **kw: Any) -> None:
        self.report.problems.append(Problem(kind, message, **kw))

    # --- leaves and rows ----------------------------------------------------------------------

    def leaves(self, lo: int, hi: int) -> None:
        stored = {
            int(i): (h, blob(d))
            for i, h, d in Leaf.objects.filter(index__gte=lo, index__lt=hi)
            .order_by()
            .values_list("index", "leaf_hash", "data")
        }
        claims = _claims(lo, hi)
        entries: list[bytes] = []
        report = self.report
        for index in range(lo, hi):
            leaf = stored.get(index)
            mine = claims.get(index, [])
            if leaf is None:
                self.problem(
                    "leaf",
                    f"leaf {index} is missing: the log has {report.size} leaves but no data for it",
                    index=index,
                )
                entries.append(b"")
                for claim in mine:
                    self.problem(
                        claim.kind,
                        f"{claim.label} claims leaf {index}, whose data is missing",
                        index=index,
                        id=claim.id,
                        subject=claim.subject,
                    )
                continue
            stored_hash, data = leaf
            report.leaves += 1
            entries.append(data)
            if self.hasher.leaf(data).hex() != stored_hash:
                self.problem(
                    "leaf",
                    f"leaf {index}: its data does not hash to the leaf hash stored beside it "
                    "(the leaf was edited)",
                    index=index,
                )
            if not mine:
                self.problem(
                    "leaf",
                    f"leaf {index} is claimed by no row: the row it recorded was deleted or its "
                    "ledger index changed",
                    index=index,
                )
            elif len(mine) > 1:
                self.problem(
                    "leaf",
                    f"leaf {index} is claimed by {len(mine)} rows: "
                    + "; ".join(c.label for c in mine),
                    index=index,
                )
            for claim in mine:
                self.check_claim(index, claim, data)
        self.tree.append(entries)

    def check_claim(self, index: int, claim: _Claim, data: bytes) -> None:
        counter = {
            "record": "records",
            "evaluation": "evaluations",
            "pool": "pool_decisions",
            "inspection": "inspections",
        }
        name = counter.get(claim.kind, "decisions")
        setattr(self.report, name, getattr(self.report, name) + 1)
        try:
            expected = encode(claim.leaf_kind, claim.fields)
        except LeafError as exc:
            self.problem(
                claim.kind,
                f"{claim.label}: its fields no longer make a leaf ({exc})",
                index=index,
                id=claim.id,
                subject=claim.subject,
            )
            return
        rehashed = _values_hash_holds(claim)
        if expected != data:
            self.problem(
                claim.kind,
                f"{claim.label}: its stored content no longer matches leaf {index} (differs in: "
                f"{_differences(claim.leaf_kind, claim.fields, data)})"
                + ("" if rehashed else "; its values no longer hash to its content_hash"),
                index=index,
                id=claim.id,
                subject=claim.subject,
            )
        elif not rehashed:
            self.problem(
                claim.kind,
                f"{claim.label}: it matches leaf {index}, but its values do not hash to its "
                "content_hash: the record and its leaf were both written outside the application",
                index=index,
                id=claim.id,
                subject=claim.subject,
            )

    # --- the tree -----------------------------------------------------------------------------

    def strips(self, lo: int, hi: int) -> None:
        """Compare the stored node strips of leaves [lo, hi) with the rebuilt nodes."""
        first, last = lo >> STRIP_BITS, (hi - 1) >> STRIP_BITS
        stored = {
            int(s): blob(h)
            for s, h in NodeStrip.objects.filter(strip__gte=first, strip__lte=last)
            .order_by()
            .values_list("strip", "hashes")
        }
        width = self.hasher.digest_size
        by_key = self.store.by_key
        for strip in range(first, last + 1):
            top = min((strip + 1) << STRIP_BITS, self.report.size)
            begin, end = stored_nodes(strip << STRIP_BITS), stored_nodes(top)
            expected = b"".join(by_key[begin:end])
            held = stored.get(strip)
            self.report.strips += int(held is not None)
            if held == expected:
                continue
            if (
                held is not None
                and len(held) > len(expected)
                and held.startswith(expected)
                and top & (STRIP_LEAVES - 1)
                and log_size() > self.report.size
            ):
                continue  # the last strip, grown by an append while this audit ran
            leaves = f"leaves {strip << STRIP_BITS}–{top - 1}"
            if held is None:
                self.problem("tree", f"node strip {strip} ({leaves}) is missing")
                self.bad_nodes.update(strip_nodes(strip, self.report.size))
                continue
            causes: list[NodeId] = []
            for k, node in enumerate(strip_nodes(strip, self.report.size)):
                if held[k * width : (k + 1) * width] == by_key[begin + k]:
                    continue
                self.bad_nodes.add(node)
                level, i = node
                if level and ((level - 1, 2 * i) in self.bad_nodes) | (
                    (level - 1, 2 * i + 1) in self.bad_nodes
                ):
                    continue  # a consequence of a child that differs
                causes.append(node)
            if len(held) != len(expected):
                self.problem(
                    "tree",
                    f"node strip {strip} ({leaves}) holds {len(held)} bytes, the tree rebuilt "
                    f"from the leaves has {len(expected)}: it was truncated or overwritten",
                    index=strip << STRIP_BITS,
                )
            elif len(causes) > MAX_LISTED:
                self.problem(
                    "tree",
                    f"node strip {strip} ({leaves}): {len(causes)} nodes differ from the tree "
                    f"rebuilt from the stored leaves, from node {causes[0]} on",
                    index=strip << STRIP_BITS,
                )
            else:
                for level, i in causes:
                    span = (
                        f"leaf {i}"
                        if level == 0
                        else f"leaves {i << level}–{((i + 1) << level) - 1}"
                    )
                    self.problem(
                        "tree",
                        f"node {(level, i)} (covering {span}, in node strip {strip}) differs from "
                        "the tree rebuilt from the stored leaves",
                        index=i << level,
                    )

    def extra_rows(self, size_now: int) -> None:
        """Rows, leaves and strips beyond the log (read again now, so new writes are no problem)."""
        beyond = Leaf.objects.filter(index__gte=size_now) | Leaf.objects.filter(index__lt=0)
        extra = sorted(beyond.values_list("index", flat=True)[:MAX_LISTED])
        if extra:
            self.problem(
                "tree",
                f"{beyond.count()} leaf rows lie beyond the log's {size_now} leaves (indexes "
                f"{', '.join(map(str, extra))}…): written outside the application",
            )
        strips = (size_now + STRIP_LEAVES - 1) >> STRIP_BITS
        over = NodeStrip.objects.filter(strip__gte=strips) | NodeStrip.objects.filter(strip__lt=0)
        if over.exists():
            self.problem(
                "tree", f"{over.count()} node strips lie beyond the log's {size_now} leaves"
            )
        tables: list[tuple[str, Any, str]] = [
            ("record", CreditRecord.objects, "ledger_index"),
            ("evaluation", Evaluation.objects, "ledger_index"),
            ("pool", NegativePoolEntry.objects, "ledger_index"),
            ("pool", NegativePoolEntry.objects, "left_ledger_index"),
        ]
        from ecredit.lists.audit import TABLES
        from ecredit.reports.audit import TABLES as REPORT_TABLES

        tables += TABLES + REPORT_TABLES
        for kind, objects, column in tables:
            rows = objects.filter(**{f"{column}__gte": size_now}) | objects.filter(
                **{f"{column}__lt": 0}
            )
            for pk, index in rows.order_by(column).values_list("pk", column):
                self.problem(
                    kind,
                    f"{kind} {pk} claims leaf {index}, which the log does not have "
                    f"({size_now} leaves)",
                    index=index,
                    id=pk,
                )

    # --- checkpoints --------------------------------------------------------------------------

    def checkpoints(self, size_now: int) -> None:
        report = self.report
        key = _log_key()
        if key is None and Checkpoint.objects.exists():
            self.problem(
                "checkpoint",
                f"the log's key file {actions.key_path()} is missing: the signatures of the "
                "checkpoints cannot be checked (restore it from a backup)",
            )
        wrong_roots: list[int] = []
        for cp in Checkpoint.objects.order_by("size", "id").iterator(chunk_size=2000):
            if cp.size > report.size:
                if cp.size > size_now:
                    self.problem(
                        "checkpoint",
                        f"checkpoint #{cp.pk} was signed at size {cp.size}, beyond the log's "
                        f"{size_now} leaves: the log lost leaves it had signed",
                    )
                continue  # issued while this audit ran
            report.checkpoints += 1
            if self.tree.root(cp.size).hex() != cp.root:
                wrong_roots.append(cp.size)
            if key is None:
                continue
            try:
                text = open_note(cp.note, [key]).text
                body = parse_checkpoint(text, self.hasher.digest_size)
            except NoteError as exc:
                self.problem(
                    "checkpoint",
                    f"checkpoint #{cp.pk} at size {cp.size}: its note does not verify with the "
                    f"log's key ({exc})",
                )
                continue
            if (body.origin, body.size, body.root.hex()) != (report.origin, cp.size, cp.root):
                self.problem(
                    "checkpoint",
                    f"checkpoint #{cp.pk} at size {cp.size}: the signed note says origin "
                    f"{body.origin}, size {body.size}, root {body.root.hex()}, not what is "
                    "stored beside it",
                )
        if wrong_roots:
            shown = ", ".join(map(str, wrong_roots[:MAX_LISTED]))
            more = f" … {wrong_roots[-1]}" if len(wrong_roots) > MAX_LISTED else ""
            which = (
                f"1 checkpoint (size {shown}) was"
                if len(wrong_roots) == 1
                else f"{len(wrong_roots)} checkpoints (sizes {shown}{more}) were"
            )
            self.problem(
                "checkpoint",
                f"{which} signed over roots that differ from the tree rebuilt from the stored "
                "leaves: the leaves or the tree changed after they were signed",
            )

    def cosignatures(self) -> None:
        for cos in Cosignature.objects.select_related("checkpoint", "witness").iterator(
            chunk_size=2000
        ):
            if cos.checkpoint.size > self.report.size:
                continue
            self.report.cosignatures += 1
            what = f"cosignature by {cos.witness.name} of checkpoint #{cos.checkpoint_id}"
            try:
                vkey = parse_verifier_key(cos.witness.vkey)
                note = open_note(f"{cos.checkpoint.note}{cos.line}\n", [vkey])
            except NoteError as exc:
                self.problem("cosignature", f"{what} does not verify ({exc})")
                continue
            if not note.signed_by(vkey):
                self.problem("cosignature", f"{what} does not verify")


def _log_key() -> VerifierKey | None:
    """The log's verifier key from its key file, without creating one."""
    path = actions.key_path()
    if not path.exists():
        return None
    return parse_signer_key(path.read_text().strip()).verifier()


def _unledgered() -> dict[str, int]:
    return {
        "records": CreditRecord.objects.filter(ledger_index__isnull=True).count(),
        "evaluations": Evaluation.objects.filter(ledger_index__isnull=True).count(),
        "pool_entries": NegativePoolEntry.objects.filter(ledger_index__isnull=True).count(),
        "pool_exits": NegativePoolEntry.objects.filter(
            left_on__isnull=False, left_ledger_index__isnull=True
        ).count(),
    }


def log_size() -> int:
    """The log's size as stored (0 before the first leaf), without creating the head row."""
    found = LogHead.objects.filter(pk=1).values_list("size", flat=True).first()
    return int(found or 0)


def run_audit(*, chunk: int = CHUNK, progress: Callable[[int], None] | None = None) -> AuditReport:
    """Audit the ledger against the database; see the module docstring. `progress(n)` is called
    with the number of leaves done after each chunk."""
    if chunk <= 0 or chunk % STRIP_LEAVES:
        raise ValueError(f"chunk must be a positive multiple of {STRIP_LEAVES}")
    started = time.monotonic()
    head = LogHead.objects.filter(pk=1).first()
    config = settings.CONFIG
    report = AuditReport(
        origin=head.origin if head else config.ledger_origin,
        algorithm=head.algorithm if head else config.ledger_algorithm,
        size=int(head.size) if head else 0,
    )
    auditor = _Auditor(report, chunk)
    for lo in range(0, report.size, chunk):
        hi = min(lo + chunk, report.size)
        auditor.leaves(lo, hi)
        auditor.strips(lo, hi)
        if progress is not None:
            progress(hi - lo)
    report.root = auditor.tree.root(report.size).hex()
    size_now = log_size()
    auditor.extra_rows(size_now)
    auditor.checkpoints(size_now)
    auditor.cosignatures()
    report.unledgered = _unledgered()
    report.seconds = time.monotonic() - started
    return report
