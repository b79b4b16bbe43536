"""`ecredit lists`: the periodic sweep, proposals and decisions on list entries, and what is listed."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import click


def _django() -> None:
    from ecredit.cli import _django as setup  # here, not above: cli.py imports this module

    setup()


def _fail(message: str, code: int = 1) -> NoReturn:
    from ecredit.cli import _fail as fail

    fail(message, code)


def _actor(label: str) -> Any:
    from ecredit.accounts.principals import Actor

    return Actor.system(label)


@click.group()
def lists() -> None:
    """Credit lists: propose from records and grades, decide, publish, expire, show."""


@lists.command()
@click.option("--json", "as_json", is_flag=True)
def types(as_json: bool) -> None:
    """The list types: who enters, who decides, how long, how one leaves."""
    from ecredit.core.lists import load_list_types

    rows = [lt.to_json() for lt in load_list_types().values()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        lasts = f"{r['duration_days']} days" if r["duration_days"] else "until removed by rule"
        click.echo(
            f"{r['key']:20} {r['label_zh']:12} decided by {r['decided_by']:13} "
            f"objections {r['objection_days']:>2} days, lasts {lasts}"
        )


@lists.command()
@click.option("--json", "as_json", is_flag=True)
def sweep(as_json: bool) -> None:
    """Run the periodic sweep: propose from records and grades, close entries whose rule no longer
    holds or whose last day has passed, move the rating engine's lists on."""
    _django()
    from ecredit.lists.actions import sweep as run

    report = run(_actor("lists-sweep"))
    if as_json:
        click.echo(json.dumps(report.to_json()))
        return
    click.echo(
        f"proposed {len(report.proposed)}, moved on {len(report.advanced)}, "
        f"closed {len(report.closed)}"
    )


@lists.command()
@click.argument("list_type")
@click.option("--subject-id", required=True, help="the enterprise's USCC or other identifier")
@click.option("--reason", required=True)
@click.option("--record", "records", type=int, multiple=True, help="an evidence record id")
def propose(list_type: str, subject_id: str, reason: str, records: tuple[int, ...]) -> None:
    """Propose an enterprise for a list (as the platform, on a regulator's instruction)."""
    _django()
    from ecredit.entities.queries import get_enterprise
    from ecredit.lists import actions

    e = get_enterprise(subject_id)
    if e is None:
        _fail(f"no enterprise holds the identifier {subject_id!r}")
    try:
        entry = actions.propose(
            _actor("lists"), e, list_type, reason=reason, evidence={"records": list(records)}
        )
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"entry #{entry.pk} proposed (ledger leaf {entry.ledger_index})")


@lists.command()
@click.argument("entry_id", type=int)
@click.argument("action", type=click.Choice(["notify", "list", "dismiss", "publish", "remove"]))
@click.option("--reason", required=True)
def decide(entry_id: int, action: str, reason: str) -> None:
    """Move a list entry on: notify, list (after the objection window), dismiss, publish, remove."""
    _django()
    from ecredit.lists import actions
    from ecredit.lists.models import ListEntry

    entry = ListEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        _fail(f"no list entry #{entry_id}")
    try:
        entry = actions.advance(_actor("lists"), entry, action, reason=reason)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"entry #{entry.pk} is {entry.state} (ledger leaf {entry.ledger_index})")


@lists.command()
@click.option("--subject-id", help="one enterprise's entries, objections and repairs")
@click.option("--list", "list_type", help="the published entries of one list")
@click.option("--json", "as_json", is_flag=True)
def show(subject_id: str | None, list_type: str | None, as_json: bool) -> None:
    """Show one enterprise's standing, one list's published entries, or counts per list."""
    _django()
    from django.utils import timezone

    from ecredit.entities.queries import get_enterprise
    from ecredit.lists import queries

    today = timezone.localdate()
    out: Any
    if subject_id:
        e = get_enterprise(subject_id)
        if e is None:
            _fail(f"no enterprise holds the identifier {subject_id!r}")
        out = {
            "subject_id": e.subject_id,
            "memberships": [m.to_json() for m in queries.memberships(e, today)],
            "entries": [queries.entry_json(x) for x in queries.entries_of(e)],
            "objections": [queries.objection_json(o, today) for o in queries.objections_of(e)],
            "repairs": [queries.repair_json(r, today) for r in queries.repairs_of(e)],
        }
    elif list_type:
        out = [queries.entry_json(x) for x in queries.published(list_type)]
    else:
        out = queries.counts()
    if as_json or subject_id or list_type:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    else:
        for key, n in out.items():
            click.echo(f"{key:20} {n:>6} published")
