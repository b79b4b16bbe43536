"""`ecredit ledger`: checkpoints, offline verification, audits and witnessing.

`verify`, `witness` and `witness-key` run anywhere, without the platform's database or settings:
they import only `ecredit.core` and the standard library (the witness talks HTTP with urllib).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import click

from ecredit.core.ledger import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    NoteError,
    ProofError,
    SignerKey,
    VerifierKey,
    Witness,
    WitnessedLog,
    WitnessRefusal,
    generate_key,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    verify_inclusion,
)
from ecredit.core.ledger.hashing import hasher
from ecredit.core.ledger.leaves import LeafError, decode, encode

if TYPE_CHECKING:
    from ecredit.ledger.audit import AuditReport

BUNDLE_FORMAT = "ecredit-ledger-bundle/1"
STATE_FORMAT = "ecredit-witness-state/1"
CHECKPOINT_PATH = "/api/v1/ledger/checkpoint"
CONSISTENCY_PATH = "/api/v1/ledger/proof/consistency"
COSIGNATURES_PATH = "/api/v1/ledger/cosignatures"


def _django() -> None:
    from ecredit.cli import _django as setup  # here, not above: cli.py imports this module

    setup()


def _fail(message: str, code: int = 1) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Write a file whole or not at all: a temporary file beside it, fsync, rename, fsync dir."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _verifier_key(value: str, what: str) -> VerifierKey:
    """A verifier key given inline (`name+hash+base64`) or as a file holding one."""
    text = value.strip()
    path = Path(text)
    if "+" not in text or (len(text) < 4096 and path.is_file()):
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            _fail(f"{what} {value!r}: not a key (name+hash+base64) nor a readable file ({exc})", 2)
    try:
        return parse_verifier_key(text)
    except NoteError as exc:
        _fail(f"{what}: {exc}", 2)


@click.group()
def ledger() -> None:
    """The verifiable ledger: every record version, evaluation and list decision is a leaf.

    \b
    ecredit ledger key                          the log's public key (note verifier key)
    ecredit ledger checkpoint [--every S]       sign a checkpoint now, or whenever the log grew
    ecredit ledger witnesses add NAME VKEY      accept a witness's cosignatures
    ecredit ledger bundle INDEX -o FILE         an offline-verifiable proof of one leaf
    ecredit ledger verify FILE --key VKEY       check a bundle (or a record) offline
    ecredit ledger audit                        recompute every leaf and the tree from the database
    ecredit ledger witness-key NAME -o FILE     a witness's cosigning key (another department)
    ecredit ledger witness --log URL ...        cosign the log's checkpoints, refuse rewrites
    """


# --- the log's own commands (need the database) -----------------------------------------------


@ledger.command("key")
def key_cmd() -> None:
    """Print the log's note verifier key (C2SP vkey): what verifiers and witnesses pin."""
    _django()
    from ecredit.ledger import actions

    click.echo(actions.verifier_key().encode())


def _checkpoint_json(checkpoint: Any, issued: bool) -> dict[str, Any]:
    return {"size": checkpoint.size, "root": checkpoint.root, "issued": issued}


def issue_checkpoints(
    every: float | None,
    *,
    emit: Callable[[dict[str, Any]], None],
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Issue a checkpoint now; with `every`, then again each `every` seconds whenever the log
    grew (`rounds` bounds the loop, for tests). `emit` gets each issued checkpoint."""
    from django.db import close_old_connections, connection

    from ecredit.ledger import actions
    from ecredit.ledger.models import Checkpoint as CheckpointRow

    done = 0
    while True:
        latest = CheckpointRow.objects.order_by("-size", "-id").values_list("id", flat=True).first()
        checkpoint = actions.issue_checkpoint()
        issued = checkpoint.pk != latest
        if every is None or issued or done == 0:
            emit(_checkpoint_json(checkpoint, issued))
        done += 1
        if every is None or (rounds is not None and done >= rounds):
            return
        if not connection.in_atomic_block:  # a long-running loop: drop stale connections
            close_old_connections()
        sleep(every)


@ledger.command("checkpoint")
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="keep running: sign a checkpoint each time the log has grown (a schedule without cron)",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per checkpoint issued")
def checkpoint_cmd(every: float | None, as_json: bool) -> None:
    """Sign a checkpoint of the log as it is now (the latest one if the log has not grown).

    Checkpoints are also signed after every write; this covers a process that died in between
    and gives witnesses a regular heartbeat. Prints the size and root hash.
    """
    _django()

    def emit(cp: dict[str, Any]) -> None:
        if as_json:
            click.echo(json.dumps(cp), nl=True)
            return
        verb = "signed" if cp["issued"] else "unchanged:"
        click.echo(f"checkpoint {verb} size {cp['size']:,}, root {cp['root']}")

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the schedule quietly
        issue_checkpoints(every, emit=emit)


@ledger.group()
def witnesses() -> None:
    """Witnesses whose cosignatures the log accepts and publishes."""


@witnesses.command("add")
@click.argument("name")
@click.argument("vkey")
def witnesses_add(name: str, vkey: str) -> None:
    """Register (or re-key) the witness NAME with its cosignature verifier key VKEY.

    The witness creates its key with `ecredit ledger witness-key NAME`, which prints VKEY.
    """
    _django()
    from ecredit.core.ledger import LedgerError
    from ecredit.ledger import actions

    try:
        key = parse_verifier_key(vkey.strip())
    except NoteError as exc:
        _fail(f"VKEY: {exc}", 2)
    if key.algorithm != COSIGNATURE_V1:
        _fail(
            "VKEY is not a witness's cosignature key (cosignature/v1, algorithm byte 0x04); the "
            "witness creates one with `ecredit ledger witness-key NAME --output FILE`",
            2,
        )
    try:
        witness = actions.add_witness(name, vkey)
    except LedgerError as exc:
        _fail(str(exc), 2)
    click.echo(f"witness {witness.name} registered: its cosignatures are now accepted")


@witnesses.command("list")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object on stdout")
def witnesses_list(as_json: bool) -> None:
    """The registered witnesses, with the latest checkpoint each cosigned."""
    _django()
    from django.db.models import Max

    from ecredit.ledger.models import Witness as WitnessRow

    rows = list(
        WitnessRow.objects.annotate(last=Max("cosignatures__checkpoint__size")).order_by("name")
    )
    if as_json:
        out = [{"name": w.name, "vkey": w.vkey, "last_cosigned_size": w.last} for w in rows]
        click.echo(json.dumps({"witnesses": out}, ensure_ascii=False))
        return
    if not rows:
        click.echo("no witnesses yet: register one with `ecredit ledger witnesses add NAME VKEY`")
    for w in rows:
        last = "never cosigned" if w.last is None else f"last cosigned size {w.last:,}"
        click.echo(f"{w.name}  {w.vkey}  ({last})")


@ledger.command("bundle")
@click.argument("index", type=click.IntRange(min=0))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the bundle to this file (default: print it)",
)
def bundle_cmd(index: int, output: Path | None) -> None:
    """Write an offline-verifiable proof bundle for leaf INDEX.

    The bundle holds the leaf, its hash, its inclusion proof and the latest signed checkpoint
    with its cosignatures; check it anywhere with `ecredit ledger verify FILE --key VKEY`.
    """
    _django()
    from ecredit.core.ledger import LedgerError
    from ecredit.ledger.api import build_bundle

    if output is not None and not output.parent.is_dir():
        _fail(f"--output {output}: no directory {output.parent}", 2)
    try:
        bundle = build_bundle(index)
    except LookupError as exc:
        _fail(str(exc))
    except LedgerError as exc:
        _fail(f"the ledger cannot prove leaf {index}: {exc}; run `ecredit ledger audit`")
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        _write_atomically(output, text)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc}")
    click.echo(
        f"wrote the proof of leaf {index} (tree size {bundle['tree_size']:,}) to {output}; "
        f"check it with: ecredit ledger verify {output} --key <the log's key>",
        err=True,
    )


# --- offline verification (no Django) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One line of a verification: what was checked, whether it holds, and the detail."""

    name: str
    ok: bool | None  # None: information, not a check
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


class BundleError(ValueError):
    """The file is not a proof bundle; the message says what is wrong."""


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or len(value) > 256:
        raise BundleError(f"{what} is not a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise BundleError(f"{what} is not hex: {value[:80]!r}") from None


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BundleError(f"{what} is not a non-negative integer")
    return value


@dataclass(frozen=True, slots=True)
class Bundle:
    origin: str
    algorithm: str
    index: int
    leaf: dict[str, Any]
    leaf_hash: bytes
    tree_size: int
    proof: list[bytes]
    checkpoint: str


def parse_bundle(obj: Any) -> Bundle:
    """The fields of a proof bundle (`GET /api/v1/ledger/bundle`), checked for shape."""
    if not isinstance(obj, dict) or obj.get("format") != BUNDLE_FORMAT:
        raise BundleError(f'not a proof bundle: no "format": "{BUNDLE_FORMAT}"')
    for name, kind in (("origin", str), ("algorithm", str), ("leaf", dict), ("checkpoint", str)):
        if not isinstance(obj.get(name), kind):
            raise BundleError(f"bundle: {name} is missing or not a {kind.__name__}")
    proof = obj.get("proof")
    if not isinstance(proof, list) or len(proof) > 128:
        raise BundleError("bundle: proof is not a list of hex hashes")
    return Bundle(
        origin=obj["origin"],
        algorithm=obj["algorithm"],
        index=_int(obj.get("index"), "bundle: index"),
        leaf=obj["leaf"],
        leaf_hash=_hex(obj.get("leaf_hash"), "bundle: leaf_hash"),
        tree_size=_int(obj.get("tree_size"), "bundle: tree_size"),
        proof=[_hex(p, f"bundle: proof hash {i}") for i, p in enumerate(proof)],
        checkpoint=obj["checkpoint"],
    )


def record_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record/v1 leaf fields of a record as the API returns it
    (`GET /api/v1/enterprises/{id}/records`); the subject is in its values."""
    values = record.get("values")
    if not isinstance(values, dict):
        raise BundleError("the record has no values object")
    subject = record.get("subject_id", values.get("subject_id"))
    fields = {"subject_id": subject, "type": record.get("type")}
    for name in ("provider", "natural_key", "version", "occurred_on", "received_at"):
        fields[name] = record.get(name)
    fields["content_hash"] = record.get("content_hash")
    fields["values"] = values
    return fields


def _utc(timestamp: int | None) -> str:
    if timestamp is None:
        return "?"
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(timestamp)


def verify_bundle(
    bundle: Bundle,
    key: VerifierKey | None,
    witness_keys: Sequence[VerifierKey] = (),
    record: Mapping[str, Any] | None = None,
) -> list[Check]:
    """Check a bundle offline, every step, and say what each check found (see `ecredit ledger
    verify --help`). The bundle holds iff every check's `ok` is True (None lines are notes)."""
    checks: list[Check] = []
    add = checks.append
    try:
        h = hasher(bundle.algorithm)
    except ValueError:
        return [Check("algorithm", False, f"unknown hash algorithm {bundle.algorithm!r}")]

    # 1. the leaf: its object is exactly the canonical leaf its bytes encode
    kind = bundle.leaf.get("leaf")
    data: bytes | None = None
    try:
        data = encode(str(kind), bundle.leaf)
        decode(data)
        extra = sorted(set(bundle.leaf) - set(json.loads(data)))
        if json.loads(data) != bundle.leaf:
            data = None
            why = f"fields outside {kind}: {', '.join(extra)}" if extra else "non-canonical values"
            add(Check("leaf", False, f"the leaf object is not its canonical form ({why})"))
        else:
            add(
                Check(
                    "leaf",
                    True,
                    f"the {kind} leaf's fields rebuild its canonical bytes "
                    f"(RFC 8785, {len(data):,} bytes)",
                )
            )
    except LeafError as exc:
        data = None
        add(Check("leaf", False, f"the leaf object does not make a leaf: {exc}"))

    # 1b. a record from the API rebuilds that same leaf
    if record is not None:
        try:
            rebuilt = encode("record/v1", record_fields(record))
        except (LeafError, BundleError) as exc:
            add(Check("record", False, f"the record's fields do not make a record leaf: {exc}"))
        else:
            index = record.get("ledger_index")
            if index is not None and index != bundle.index:
                add(
                    Check(
                        "record",
                        False,
                        f"the record's ledger_index is {index}, the bundle proves leaf "
                        f"{bundle.index}",
                    )
                )
            elif data is not None and rebuilt == data:
                add(
                    Check(
                        "record",
                        True,
                        f"the record ({record.get('type')} {record.get('natural_key')} "
                        f"v{record.get('version')}) rebuilds exactly the bundle's leaf",
                    )
                )
            else:
                theirs = bundle.leaf
                mine = json.loads(rebuilt)
                names = [n for n in mine if n != "leaf" and mine[n] != theirs.get(n)]
                add(
                    Check(
                        "record",
                        False,
                        "the record does not rebuild the bundle's leaf (differs in: "
                        f"{', '.join(names) or 'the leaf kind'})",
                    )
                )

    # 2. the leaf hash
    computed = h.leaf(data) if data is not None else None
    if computed is None:
        add(Check("leaf hash", False, "not checked: the leaf could not be rebuilt"))
    elif computed == bundle.leaf_hash:
        add(
            Check(
                "leaf hash",
                True,
                f"H(0x00 || leaf) = {computed.hex()} ({h.name}), as the bundle says",
            )
        )
    else:
        add(
            Check(
                "leaf hash",
                False,
                f"H(0x00 || leaf) = {computed.hex()}, the bundle says {bundle.leaf_hash.hex()}",
            )
        )

    # 3. the checkpoint: its signature by the log's key, its content
    checkpoint: Checkpoint | None = None
    opened = None
    split = bundle.checkpoint.rfind("\n\n")
    try:
        checkpoint = parse_checkpoint(bundle.checkpoint[: split + 1], h.digest_size)
    except NoteError as exc:
        add(Check("checkpoint", False, f"the checkpoint is malformed: {exc}"))
    if key is None:
        add(
            Check(
                "signature",
                False,
                "not checked: give the log's verifier key with --key (GET /api/v1/ledger/key, "
                "obtained once from a channel you trust)",
            )
        )
    elif key.algorithm != ED25519:
        add(Check("signature", False, f"--key {key.name} is a witness key, not a log's key"))
    else:
        try:
            opened = open_note(bundle.checkpoint, [key, *witness_keys])
        except NoteError as exc:
            add(Check("signature", False, f"the checkpoint does not verify: {exc}"))
        else:
            if opened.signed_by(key):
                add(
                    Check(
                        "signature",
                        True,
                        f"the checkpoint is signed by the log's key {key.name}+{key.key_hash:08x}",
                    )
                )
            else:
                add(
                    Check(
                        "signature",
                        False,
                        f"the checkpoint is not signed by {key.name}+{key.key_hash:08x}",
                    )
                )
    if checkpoint is not None:
        same = (checkpoint.origin, checkpoint.size) == (bundle.origin, bundle.tree_size)
        add(
            Check(
                "checkpoint",
                same,
                f"origin {checkpoint.origin}, tree size {checkpoint.size:,}, root "
                f"{checkpoint.root.hex()}"
                + (
                    ""
                    if same
                    else f"; the bundle says origin {bundle.origin}, size {bundle.tree_size:,}"
                ),
            )
        )
        if key is not None and key.name != checkpoint.origin:
            add(
                Check(
                    "checkpoint",
                    None,
                    f"the key is named {key.name}, the checkpoint's origin is {checkpoint.origin}",
                )
            )

    # 4. the inclusion proof leads from the leaf to the checkpoint's root
    if computed is None or checkpoint is None:
        add(Check("inclusion", False, "not checked: no leaf hash or no checkpoint root"))
    else:
        try:
            verify_inclusion(
                computed, bundle.index, checkpoint.size, bundle.proof, checkpoint.root, h
            )
        except ProofError as exc:
            add(Check("inclusion", False, f"the inclusion proof does not hold: {exc}"))
        else:
            add(
                Check(
                    "inclusion",
                    True,
                    f"the {len(bundle.proof)}-hash proof leads from leaf {bundle.index:,} to "
                    f"the checkpoint's root: the leaf is in the tree of {checkpoint.size:,}",
                )
            )

    # 5. witnesses
    if opened is not None:
        for wkey in witness_keys:
            sig = opened.signed_by(wkey)
            if sig is None:
                add(Check("witness", False, f"{wkey.name} did not cosign this checkpoint"))
            else:
                add(Check("witness", True, f"cosigned by {wkey.name} at {_utc(sig.timestamp)}"))
        others = sorted({s.name for s in opened.unverified})
        if others:
            add(
                Check(
                    "witness",
                    None,
                    f"also signed by {', '.join(others)} (not checked: give --witness VKEY)",
                )
            )
    elif witness_keys:
        add(Check("witness", False, "not checked: the checkpoint's signatures did not verify"))
    return checks


def _load_json(path: Path, what: str) -> Any:
    try:
        if path.stat().st_size > 64 * 1024 * 1024:
            _fail(f"{what} {path} is larger than 64 MiB: not a bundle or a record", 2)
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"cannot read {what} {path}: {exc}", 2)
    except (UnicodeDecodeError, ValueError) as exc:
        _fail(f"{what} {path} is not JSON: {exc}", 2)


@ledger.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_value",
    envvar="ECREDIT_LEDGER_KEY",
    metavar="VKEY_OR_FILE",
    help="the log's note verifier key, or a file holding it (default: $ECREDIT_LEDGER_KEY)",
)
@click.option(
    "--witness",
    "witness_values",
    multiple=True,
    metavar="VKEY_OR_FILE",
    help="a witness's cosignature key: check that it cosigned (repeatable)",
)
@click.option(
    "--proof",
    type=click.Path(dir_okay=False, path_type=Path),
    help="with FILE a record from the API: the bundle proving its leaf",
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object on stdout")
def verify_cmd(
    file: Path,
    key_value: str | None,
    witness_values: tuple[str, ...],
    proof: Path | None,
    as_json: bool,
) -> None:
    """Check a proof bundle offline: no database, no network.

    FILE is a bundle (`ecredit ledger bundle`, GET /api/v1/ledger/bundle?index=N), a credit
    report PDF (`ecredit report`, /verify/<number>; it carries its content and proof), or a record
    as the API returns it (GET /api/v1/enterprises/{id}/records: one item, or the list) with
    --proof BUNDLE. Checked, line by line: the leaf rebuilds its canonical bytes; (a record
    rebuilds that leaf;) its hash; the checkpoint's signature by the log's key (--key); the
    checkpoint names the bundle's origin and size; the inclusion proof leads to the
    checkpoint's root; each --witness cosigned.

    Exit status: 0 when every check holds, 1 when one does not, 2 when FILE cannot be read.
    """
    key = _verifier_key(key_value, "--key") if key_value else None
    witness_keys = [_verifier_key(v, "--witness") for v in witness_values]
    if _is_pdf(file):
        if proof is not None:
            _fail(f"{file} is a report PDF: it carries its own proof; leave out --proof", 2)
        _verify_report(file, key, witness_keys, as_json)
    record: dict[str, Any] | None = None
    obj = _load_json(file, "file")
    if proof is not None:
        if isinstance(obj, dict) and obj.get("format") == BUNDLE_FORMAT:
            _fail(f"{file} is a bundle; --proof goes with a record", 2)
        bundle_obj = _load_json(proof, "--proof")
        candidates = obj if isinstance(obj, list) else [obj]
        wanted = bundle_obj.get("index") if isinstance(bundle_obj, dict) else None
        matching = [
            r for r in candidates if isinstance(r, dict) and r.get("ledger_index") == wanted
        ]
        if len(candidates) == 1 and isinstance(candidates[0], dict):
            record = candidates[0]
        elif matching:
            record = matching[0]
        else:
            _fail(f"{file}: no record with ledger_index {wanted}, the leaf --proof proves", 2)
        obj = bundle_obj
    try:
        bundle = parse_bundle(obj)
    except BundleError as exc:
        hint = "" if proof else " (for a record from the API, give its bundle with --proof)"
        _fail(f"{proof or file}: {exc}{hint}", 2)
    checks = verify_bundle(bundle, key, witness_keys, record)
    holds = all(c.ok is not False for c in checks)
    if as_json:
        out = {
            "ok": holds,
            "origin": bundle.origin,
            "index": bundle.index,
            "tree_size": bundle.tree_size,
            "checks": [c.to_json() for c in checks],
        }
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        click.echo(
            f"Verifying leaf {bundle.index:,} of {bundle.origin} ({bundle.algorithm}) "
            f"from {proof or file}, offline:"
        )
        for c in checks:
            mark, color = {True: ("ok  ", "green"), False: ("FAIL", "red"), None: ("note", None)}[
                c.ok
            ]
            click.echo(f"  {click.style(mark, fg=color)}  {c.name + ':':<11} {c.detail}")
        if holds:
            click.secho(
                f"HOLDS: leaf {bundle.index:,} is in the log {bundle.origin} as its signed "
                f"checkpoint of {bundle.tree_size:,} leaves shows.",
                fg="green",
            )
        else:
            failed = sum(c.ok is False for c in checks)
            click.secho(
                f"DOES NOT HOLD: {failed} of {sum(c.ok is not None for c in checks)} checks "
                "failed (see FAIL above).",
                fg="red",
            )
    sys.exit(0 if holds else 1)


# --- audit --------------------------------------------------------------------------------------


def _n(count: int, word: str) -> str:
    """ "1 checkpoint", "2 checkpoints": a count and its noun."""
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _print_audit(report: AuditReport) -> None:
    click.echo(
        f"ledger {report.origin} ({report.algorithm}): {report.size:,} "
        f"{'leaf' if report.size == 1 else 'leaves'}, root of the tree rebuilt from them "
        f"{report.root or '-'}"
    )
    click.echo(
        f"  checked {_n(report.records, 'record version')}, {_n(report.evaluations, 'evaluation')}"
        f", {_n(report.pool_decisions, 'pool decision')}"
        + (f", {_n(report.inspections, 'inspection step')}" if report.inspections else "")
        + (
            f", {_n(report.decisions, 'list, objection, repair, withdrawal, report or consent decision')}"
            if report.decisions
            else ""
        )
        + " against their leaves; "
        f"{_n(report.strips, 'node strip')}; {_n(report.checkpoints, 'checkpoint')}; "
        f"{_n(report.cosignatures, 'cosignature')} ({report.seconds:.1f} s)"
    )
    unledgered = {k: v for k, v in report.unledgered.items() if v}
    if unledgered:
        parts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in unledgered.items())
        click.echo(f"  not in the ledger (written before it existed): {parts}")
    if report.ok:
        click.secho("OK: every row matches its leaf and the tree is whole.", fg="green")
        return
    for p in report.problems:
        click.secho(f"  {p.kind}: {p.message}", fg="red")
    click.secho(
        f"FAILED: {_n(len(report.problems), 'problem')}; the rows named no longer match what the "
        "ledger recorded, or the tree is broken.",
        fg="red",
    )


@ledger.command("audit")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object on stdout")
def audit_cmd(as_json: bool) -> None:
    """Recompute every leaf from the database and the tree from the leaves.

    Names every record, evaluation and pool decision whose stored content no longer matches
    its leaf (someone edited the database behind the application's back), every leaf that no
    row or several rows claim, and any break in the tree or its signed checkpoints.

    Exit status: 0 when everything holds, 1 when something does not.
    """
    _django()
    from ecredit.ledger.audit import log_size, run_audit
    from ecredit.web.progress import bar

    with bar("auditing the ledger", log_size(), enabled=not as_json, unit="leaves") as advance:
        report = run_audit(progress=advance)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        _print_audit(report)
    sys.exit(0 if report.ok else 1)


# --- the witness (another department; no Django) -----------------------------------------------


class Http(Protocol):
    """What the witness needs from HTTP: a GET and a JSON POST, answering (status, body)."""

    def get(self, path: str) -> tuple[int, bytes]: ...

    def post(self, path: str, body: Mapping[str, Any]) -> tuple[int, bytes]: ...


class HttpFailure(Exception):
    """The log could not be reached or did not answer as expected."""


class UrllibHttp:
    """`Http` over urllib, against a log at `base` (http:// or https://)."""

    def __init__(self, base: str, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--log {base!r} is not an http:// or https:// URL")
        self.base = base.rstrip("/")
        self.timeout = timeout

    def _send(self, request: urllib.request.Request) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked
                return int(response.status), bytes(response.read(1 << 20))
        except urllib.error.HTTPError as exc:
            return int(exc.code), bytes(exc.read(1 << 16))
        except (urllib.error.URLError, OSError) as exc:
            raise HttpFailure(f"cannot reach {self.base}: {exc}") from None

    def get(self, path: str) -> tuple[int, bytes]:
        return self._send(urllib.request.Request(self.base + path, method="GET"))  # noqa: S310

    def post(self, path: str, body: Mapping[str, Any]) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        return self._send(request)


def _detail(body: bytes) -> str:
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else body[:300].decode("utf-8", "replace")


def load_state(path: Path, hash_size: int = 32) -> dict[str, Checkpoint]:
    """The witness's last cosigned checkpoint per origin; {} if the file does not exist yet."""
    if not path.exists():
        return {}
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(obj, dict) or obj.get("format") != STATE_FORMAT:
            raise ValueError(f'no "format": "{STATE_FORMAT}"')
        return {
            origin: parse_checkpoint(entry["checkpoint"], hash_size)
            for origin, entry in obj["logs"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"the witness state {path} is damaged ({exc}); restore it from a backup: a witness "
            "that forgets what it cosigned can be made to cosign a fork"
        ) from None


def save_state(path: Path, latest: Mapping[str, Checkpoint]) -> None:
    """Write the witness's state whole or not at all (before any cosignature leaves)."""
    logs = {
        origin: {
            "size": cp.size,
            "root": base64.b64encode(cp.root).decode(),
            "checkpoint": cp.body(),
        }
        for origin, cp in sorted(latest.items())
    }
    _write_atomically(path, json.dumps({"format": STATE_FORMAT, "logs": logs}, indent=2) + "\n")


@dataclass(frozen=True, slots=True)
class WitnessResult:
    """What one round of the witness did: "cosigned", "current" or "refused" (with why)."""

    outcome: str
    size: int
    message: str


def witness_round(
    http: Http,
    log: WitnessedLog,
    key: SignerKey,
    state_path: Path,
    clock: Callable[[], float] = time.time,
) -> WitnessResult:
    """Fetch the log's checkpoint; if it grew, fetch a consistency proof from the last size
    cosigned; cosign only if it holds, persist the state, then post the cosignature.
    HttpFailure when the log cannot be reached or answers wrongly (nothing changes)."""
    latest = load_state(state_path, log.hasher.digest_size)
    witness = Witness(key, [log], latest, clock=clock)
    old = witness.size(log.origin)
    status, body = http.get(CHECKPOINT_PATH)
    if status != 200:
        raise HttpFailure(f"GET {CHECKPOINT_PATH} answered {status}: {_detail(body)}")
    note = body.decode("utf-8", "replace")
    try:
        opened = open_note(note, [log.key])
        checkpoint = parse_checkpoint(opened.text, log.hasher.digest_size)
    except NoteError as exc:
        return WitnessResult(
            "refused", old, f"the checkpoint does not verify with the pinned log key: {exc}"
        )
    if checkpoint.origin != log.origin:
        return WitnessResult(
            "refused", old, f"the checkpoint is of {checkpoint.origin!r}, not {log.origin!r}"
        )
    last = latest.get(log.origin)
    if last is not None and last == checkpoint and _cosigned_by(note, log.key, key.verifier()):
        return WitnessResult("current", old, f"up to date: size {old:,} is already cosigned")
    proof: list[bytes] = []
    if 0 < old < checkpoint.size:
        query = urllib.parse.urlencode({"first": old, "second": checkpoint.size})
        status, body = http.get(f"{CONSISTENCY_PATH}?{query}")
        if status != 200:
            raise HttpFailure(f"GET {CONSISTENCY_PATH} answered {status}: {_detail(body)}")
        try:
            answer = json.loads(body)
            if (answer["first"], answer["second"]) != (old, checkpoint.size):
                raise ValueError("the proof is for other sizes than asked")
            proof = [bytes.fromhex(h) for h in answer["proof"]]
        except (ValueError, KeyError, TypeError) as exc:
            return WitnessResult("refused", old, f"the log's consistency proof is malformed: {exc}")
    try:
        signature = witness.add_checkpoint(note, proof, old_size=old)
    except WitnessRefusal as refusal:
        return WitnessResult("refused", old, refusal.reason)
    save_state(state_path, witness.latest)  # before the cosignature leaves this process
    status, body = http.post(
        COSIGNATURES_PATH, {"size": checkpoint.size, "line": signature.line().rstrip("\n")}
    )
    if status != 200:
        raise HttpFailure(
            f"the log did not accept the cosignature of size {checkpoint.size:,} ({status}: "
            f"{_detail(body)}); is this witness registered there (`ecredit ledger witnesses add "
            f"{key.name} {key.verifier().encode()}`)?"
        )
    grew = f"from {old:,} " if old else "(first checkpoint, trusted) "
    return WitnessResult(
        "cosigned", checkpoint.size, f"cosigned size {checkpoint.size:,} {grew}of {log.origin}"
    )


def _cosigned_by(note: str, log_key: VerifierKey, mine: VerifierKey) -> bool:
    try:
        return open_note(note, [log_key, mine]).signed_by(mine) is not None
    except NoteError:
        return False


@ledger.command("witness-key")
@click.argument("name")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the file to create for the private key (never overwritten)",
)
def witness_key_cmd(name: str, output: Path) -> None:
    """Create a witness's cosigning key NAME in a new file; print its verifier key.

    Register the printed key on the log with `ecredit ledger witnesses add NAME VKEY`, then run
    `ecredit ledger witness --key FILE ...`. Keep the file private (it is created 0600).
    """
    try:
        key = generate_key(name, cosignature=True)
    except NoteError as exc:
        _fail(f"NAME: {exc}", 2)
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _fail(f"{output} exists; a witness keeps its key for life: choose another file", 2)
    except OSError as exc:
        _fail(f"cannot create {output}: {exc}", 2)
    with os.fdopen(fd, "w") as f:
        f.write(key.encode() + "\n")
    click.echo(key.verifier().encode())
    click.echo(
        f"wrote the private key to {output}; register the key above on the log with: "
        f"ecredit ledger witnesses add {name} <the key above>",
        err=True,
    )


@ledger.command("witness")
@click.option(
    "--log", "log_url", required=True, help="the log's base URL, e.g. https://credit.example"
)
@click.option(
    "--log-key",
    required=True,
    metavar="VKEY_OR_FILE",
    help="the log's note verifier key, pinned (GET /api/v1/ledger/key, checked once by hand)",
)
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="this witness's private key file (`ecredit ledger witness-key`)",
)
@click.option(
    "--state",
    "state_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file of what this witness cosigned; created on the first run, keep it safe",
)
@click.option(
    "--algorithm",
    type=click.Choice(["sha256", "sm3"]),
    default="sha256",
    show_default=True,
    help="the log's tree hash algorithm",
)
@click.option("--once", is_flag=True, help="one round, then exit")
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="without --once: seconds between rounds",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per round")
def witness_cmd(
    log_url: str,
    log_key: str,
    key_file: Path,
    state_file: Path,
    algorithm: str,
    once: bool,
    every: float,
    as_json: bool,
) -> None:
    """Witness a log: cosign each checkpoint that extends the last one cosigned.

    Each round fetches the log's latest checkpoint and, if the log grew, a consistency proof
    from the size last cosigned; cosigns only if the checkpoint is signed by the pinned log key
    and the proof holds; writes the new state (atomically) before posting the cosignature. A
    log that forked or rewrote its history is refused: exit 1 with the reason, state unchanged.

    Exit status (with --once): 0 cosigned or up to date, 1 refused or the log unreachable,
    2 bad arguments or a damaged state file.
    """
    vkey = _verifier_key(log_key, "--log-key")
    if vkey.algorithm != ED25519:
        _fail("--log-key is a witness's cosignature key, not a log's note key", 2)
    try:
        key = parse_signer_key(key_file.read_text(encoding="utf-8").strip())
    except (OSError, NoteError) as exc:
        _fail(f"--key {key_file}: {exc}", 2)
    if key.algorithm != COSIGNATURE_V1:
        _fail(f"--key {key_file} is not a cosignature key; create one with `witness-key`", 2)
    try:
        http: Http = UrllibHttp(log_url)
    except ValueError as exc:
        _fail(str(exc), 2)
    if not state_file.parent.is_dir():
        _fail(f"--state {state_file}: no directory {state_file.parent}", 2)
    log = WitnessedLog(vkey.name, vkey, algorithm)
    while True:
        try:
            result = witness_round(http, log, key, state_file)
        except ValueError as exc:  # a damaged state file
            _fail(str(exc), 2)
        except OSError as exc:  # the state could not be written: nothing was published
            _fail(f"cannot write the witness state {state_file} ({exc}); nothing was cosigned")
        except HttpFailure as exc:
            if once:
                _fail(str(exc))
            click.secho(f"warning: {exc}; trying again in {every:g} s", fg="yellow", err=True)
            time.sleep(every)
            continue
        if as_json:
            click.echo(
                json.dumps(
                    {"outcome": result.outcome, "size": result.size, "message": result.message},
                    ensure_ascii=False,
                )
            )
        elif result.outcome == "refused":
            click.secho(f"REFUSED: {result.message}", fg="red", err=True)
        else:
            click.echo(result.message)
        if result.outcome == "refused":
            sys.exit(1)
        if once:
            return
        time.sleep(every)


# --- credit report PDFs -------------------------------------------------------------------------


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False


def verify_report_checks(
    pdf: bytes, key: VerifierKey | None, witness_keys: Sequence[VerifierKey] = ()
) -> tuple[list[Check], dict[str, Any] | None, Bundle | None]:
    """Check a report PDF offline: its embedded content hashes to the content hash of the
    `report/v1` leaf it embeds, the leaf names the same report, and the leaf's proof holds
    against the signed checkpoint (`verify_bundle`). (checks, content, bundle)."""
    from ecredit.core.reports.embedded import (
        CONTENT_NAME,
        EmbeddedError,
        content_against_leaf,
        content_hash,
        read_embedded,
    )

    try:
        content, bundle_obj = read_embedded(pdf)
    except EmbeddedError as exc:
        return [Check("report", False, str(exc))], None, None
    try:
        bundle = parse_bundle(bundle_obj)
    except BundleError as exc:
        return [Check("proof", False, f"the embedded proof: {exc}")], content, None
    checks = [
        Check(
            "content",
            None,
            f"{CONTENT_NAME}: report {content.get('number')} ({content.get('report_type')}, "
            f"{content.get('lang')}) of {(content.get('subject') or {}).get('subject_id')}, "
            f"as of {content.get('as_of')}, SHA-256 {content_hash(content)}",
        )
    ]
    problems = content_against_leaf(content, bundle.leaf)
    if problems:
        checks.append(Check("report", False, "; ".join(problems)))
    else:
        checks.append(
            Check(
                "report",
                True,
                "the embedded content hashes (RFC 8785 JSON, SHA-256) to the leaf's content_hash, "
                "and the leaf names the same number, subject, type, language and dates",
            )
        )
    checks += verify_bundle(bundle, key, witness_keys)
    return checks, content, bundle


def _verify_report(
    file: Path, key: VerifierKey | None, witness_keys: Sequence[VerifierKey], as_json: bool
) -> NoReturn:
    try:
        if file.stat().st_size > 64 * 1024 * 1024:
            _fail(f"{file} is larger than 64 MiB: not a credit report", 2)
        pdf = file.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {file}: {exc}", 2)
    checks, content, bundle = verify_report_checks(pdf, key, witness_keys)
    holds = all(c.ok is not False for c in checks)
    rating = (content or {}).get("rating") or {}
    if as_json:
        out = {
            "ok": holds,
            "report": (content or {}).get("number"),
            "subject_id": ((content or {}).get("subject") or {}).get("subject_id"),
            "grade": rating.get("grade"),
            "index": bundle.index if bundle else None,
            "tree_size": bundle.tree_size if bundle else None,
            "checks": [c.to_json() for c in checks],
        }
        click.echo(json.dumps(out, ensure_ascii=False))
        sys.exit(0 if holds else 1)
    click.echo(f"Verifying the credit report {file}, offline:")
    for c in checks:
        mark, color = {True: ("ok  ", "green"), False: ("FAIL", "red"), None: ("note", None)}[c.ok]
        click.echo(f"  {click.style(mark, fg=color)}  {c.name + ':':<11} {c.detail}")
    if holds and content is not None and bundle is not None:
        subject = content.get("subject") or {}
        click.secho(
            f"HOLDS: report {content.get('number')} about {subject.get('name')} "
            f"({subject.get('subject_id')}), grade {rating.get('grade', '—')} as of "
            f"{content.get('as_of')}, is the one the platform issued: its content is leaf "
            f"{bundle.index:,} of {bundle.origin}. This checks the data embedded in the PDF "
            "(printed above); whether a newer report supersedes it is on its /verify/ page.",
            fg="green",
        )
    else:
        failed = sum(c.ok is False for c in checks)
        click.secho(
            f"DOES NOT HOLD: {failed} of {sum(c.ok is not None for c in checks)} checks failed "
            "(see FAIL above).",
            fg="red",
        )
    sys.exit(0 if holds else 1)
