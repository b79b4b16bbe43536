"""`ecredit inspections`: inspection plans from the command line, thin over `supervision.actions`.

`verify` also runs without the platform: given a JSON file (GET /api/v1/inspections/plans/{id},
saved) or an http(s) URL, it imports only `ecredit.core` and the standard library.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click

from ecredit.core.supervision import Check, holds, verify_plan

MAX_PLAN_BYTES = 256 * 1024 * 1024


def _django() -> None:
    from ecredit.cli import _django as setup  # here, not above: cli.py imports this module

    setup()


def _fail(message: str, code: int = 1) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _actor() -> Any:
    from ecredit.accounts.principals import Actor

    return Actor.system("inspections")


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from ecredit.supervision.actions import InspectionError

    try:
        return fn(*args, **kwargs)
    except InspectionError as exc:
        _fail(str(exc))


def _show(plan: Any, as_json: bool) -> None:
    from ecredit.supervision import queries

    if as_json:
        click.echo(json.dumps(queries.published(plan), ensure_ascii=False, default=str, indent=1))
        return
    click.echo(f"{plan.public_id}  {plan.name}  [{plan.status}]")
    click.echo("  ratios: " + ", ".join(f"{c} {r:g}" for c, r in plan.ratios.items()))
    if plan.population_hash:
        click.echo(f"  population: {len(plan.population):,}, sha256 {plan.population_hash}")
        click.echo(f"  must inspect: {len(plan.must_inspect):,}")
        click.echo(f"  seed commitment: {plan.seed_commitment}")
    if plan.is_drawn:
        click.echo(f"  seed: {bytes(plan.seed).hex()}")
        click.echo(f"  selected: {len(plan.selected):,}")


@click.group()
def inspections() -> None:
    """Risk-based "double random" inspection plans whose draws anyone can recompute.

    A plan is created (draft), committed (population and its hash frozen, SHA-256 of a secret
    seed published), drawn (seed revealed; selection and inspectors follow from it by
    HMAC-SHA256), its results recorded as public credit records, and closed.
    """


@inspections.command("inspector")
@click.argument("code")
@click.argument("name")
def inspector_cmd(code: str, name: str) -> None:
    """Add inspector CODE (lower-case letters, digits, - and _) called NAME to the pool."""
    _django()
    from ecredit.supervision import actions

    person = _run(actions.add_inspector, _actor(), code=code, name=name)
    click.echo(f"inspector {person.code} ({person.name}) added")


@inspections.command("conflict")
@click.argument("inspector")
@click.argument("subject_id")
@click.option("--reason", required=True, help="why the inspector may not inspect it")
def conflict_cmd(inspector: str, subject_id: str, reason: str) -> None:
    """Declare that INSPECTOR has a conflict of interest with SUBJECT_ID: never assigned to it."""
    _django()
    from ecredit.supervision import actions

    c = _run(
        actions.declare_conflict,
        _actor(),
        inspector=inspector,
        subject_id=subject_id,
        reason=reason,
    )
    click.echo(f"conflict declared: {c.inspector.code} may not inspect {c.enterprise.subject_id}")


def _ratio(values: tuple[str, ...]) -> dict[str, float] | None:
    if not values:
        return None
    out: dict[str, float] = {}
    for v in values:
        cls, _, num = v.partition("=")
        try:
            out[cls.strip().upper()] = float(num)
        except ValueError:
            _fail(f"--ratio {v!r}: expected CLASS=SHARE, e.g. D=0.6", 2)
    return out


@inspections.command("plan")
@click.option("--name", required=True, help="the plan's name")
@click.option(
    "--inspector",
    "inspectors",
    multiple=True,
    required=True,
    help="an inspector code of the pool (repeat)",
)
@click.option("--due", "due", required=True, help="YYYY-MM-DD: when the inspections must be done")
@click.option("--region", default="", help="division-code prefix, e.g. 3301 (default: all regions)")
@click.option(
    "--ratio",
    "ratios",
    multiple=True,
    help="CLASS=SHARE for all four classes (default: the rules')",
)
@click.option(
    "--authority", default="", help="the inspecting department (default: the provider's name)"
)
@click.option("--json", "as_json", is_flag=True, help="print the plan as the API publishes it")
def plan_cmd(
    name: str,
    inspectors: tuple[str, ...],
    due: str,
    region: str,
    ratios: tuple[str, ...],
    authority: str,
    as_json: bool,
) -> None:
    """Create a draft inspection plan."""
    try:
        due_on = date.fromisoformat(due)
    except ValueError:
        _fail(f"--due {due!r} is not a date; use YYYY-MM-DD", 2)
    _django()
    from ecredit.supervision import actions

    plan = _run(
        actions.create_plan,
        _actor(),
        name=name,
        inspectors=list(inspectors),
        due_on=due_on,
        region=region,
        ratios=_ratio(ratios),
        authority=authority,
    )
    _show(plan, as_json)


@inspections.command("commit")
@click.argument("plan")
@click.option("--json", "as_json", is_flag=True)
def commit_cmd(plan: str, as_json: bool) -> None:
    """Freeze PLAN's population and publish its hash and the seed's commitment."""
    _django()
    from ecredit.supervision import actions

    _show(_run(actions.commit_plan, _actor(), plan), as_json)


@inspections.command("draw")
@click.argument("plan")
@click.option("--json", "as_json", is_flag=True)
def draw_cmd(plan: str, as_json: bool) -> None:
    """Reveal PLAN's seed, select the enterprises and assign two inspectors to each."""
    _django()
    from ecredit.supervision import actions

    _show(_run(actions.draw_plan, _actor(), plan), as_json)


@inspections.command("results")
@click.argument("plan")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--close", is_flag=True, help="close the plan when every result is in")
def results_cmd(plan: str, file: Path, close: bool) -> None:
    """Record PLAN's results from FILE: a JSON list of {subject_id, result, inspected_on,
    findings}. Results are validated by the data dictionary (inspection_result) and stored as
    public credit records; one bad result refuses the file."""
    try:
        rows = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _fail(f"cannot read {file}: {exc}", 2)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        _fail(f"{file}: expected a JSON list of objects", 2)
    _django()
    from ecredit.supervision import actions

    done = _run(actions.record_results, _actor(), plan, rows)
    click.echo(f"{done.plan.public_id}: {done.stored} result(s) stored, {done.unchanged} unchanged")
    if close:
        closed = _run(actions.close_plan, _actor(), plan)
        click.echo(f"{closed.public_id} closed")


@inspections.command("close")
@click.argument("plan")
def close_cmd(plan: str) -> None:
    """Close PLAN once every selected enterprise has a result."""
    _django()
    from ecredit.supervision import actions

    closed = _run(actions.close_plan, _actor(), plan)
    click.echo(f"{closed.public_id} closed")


@inspections.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_cmd(as_json: bool) -> None:
    """List inspection plans, newest first."""
    _django()
    from ecredit.supervision import queries

    rows = [queries.summary(p) for p in queries.plans()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        return
    if not rows:
        click.echo("no inspection plans yet")
    for r in rows:
        selected = "" if r["selected_count"] is None else f", {r['selected_count']} selected"
        click.echo(f"{r['id']}  {r['status']:9}  due {r['due_on']}  {r['name']}{selected}")


def _load(source: str) -> dict[str, Any]:
    """The published plan from a file, a URL, or (a plan id) this platform's database."""
    text: str | None = None
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=60) as resp:  # noqa: S310 - http(s) only
                data = resp.read(MAX_PLAN_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            _fail(f"cannot fetch {source}: {exc}", 2)
        if len(data) > MAX_PLAN_BYTES:
            _fail(f"{source} is larger than {MAX_PLAN_BYTES // 2**20} MiB", 2)
        text = data.decode("utf-8", "replace")
    elif Path(source).is_file():
        path = Path(source)
        if path.stat().st_size > MAX_PLAN_BYTES:
            _fail(f"{source} is larger than {MAX_PLAN_BYTES // 2**20} MiB", 2)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {source}: {exc}", 2)
    if text is not None:
        try:
            obj = json.loads(text)
        except ValueError as exc:
            _fail(f"{source} is not JSON: {exc}", 2)
        if not isinstance(obj, dict):
            _fail(f"{source}: expected a JSON object (one plan)", 2)
        return obj
    _django()
    from ecredit.supervision import queries

    plan = queries.get_plan(source)
    if plan is None:
        _fail(f"{source!r} is neither a file, a URL nor a plan of this platform", 2)
    published: dict[str, Any] = json.loads(json.dumps(queries.published(plan), default=str))
    return published


@inspections.command("verify")
@click.argument("plan")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object on stdout")
def verify_cmd(plan: str, as_json: bool) -> None:
    """Recompute PLAN's draw from its published data and say whether it holds.

    PLAN is a JSON file (GET /api/v1/inspections/plans/{id}, saved), an http(s) URL of it, or a
    plan id of this platform's database. A file or URL is checked offline: no database, no
    settings. Checked: the population hashes to population_hash; the ratios; SHA-256 of the
    revealed seed equals the commitment published before the draw; HMAC-SHA256 of the seed
    selects exactly the published enterprises (plus every must-inspect one) and assigns exactly
    the published inspectors, none with a declared conflict of interest; each published result
    is of a selected enterprise by its drawn inspectors.

    Exit status: 0 when every check holds, 1 when one does not, 2 when PLAN cannot be read.
    """
    checks: list[Check] = verify_plan(_load(plan))
    ok = holds(checks)
    if as_json:
        click.echo(
            json.dumps({"ok": ok, "checks": [c.to_json() for c in checks]}, ensure_ascii=False)
        )
    else:
        for c in checks:
            mark = {True: "ok  ", False: "FAIL", None: "    "}[c.ok]
            click.secho(
                f"{mark} {c.name:13} {c.detail}", fg={True: "green", False: "red", None: None}[c.ok]
            )
        click.echo("the plan holds" if ok else "the plan does NOT hold")
    sys.exit(0 if ok else 1)
