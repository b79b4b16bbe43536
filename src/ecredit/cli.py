"""The `ecredit` command: thin over the apps' actions. `ecredit --help` lists everything."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click


def _django() -> None:
    """Configure Django; a bad setting stops here with a message that names it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecredit.web.settings")
    from ecredit.web.config import ConfigurationError

    try:
        import django

        django.setup()
    except ConfigurationError as exc:
        _fail(str(exc), code=2)


def _fail(message: str, code: int = 1) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _parse_date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{what} {value!r} is not a date; use YYYY-MM-DD", code=2)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ecredit")
def main() -> None:
    """ecredit: collect credit records about online businesses, rate them, publish what may be published.

    Settings come from the environment: DATABASE_URL, ECREDIT_DATA_DIR, ECREDIT_SECRET_KEY, ECREDIT_ENV.
    """


# --- database and server ----------------------------------------------------------------------


def _end_with_parent() -> None:
    """In a child: receive SIGTERM when the parent (the server, after `execv`) exits (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@main.command()
def migrate() -> None:
    """Apply database migrations to the configured database."""
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--checkpoint-every",
    default=300,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="SECONDS",
    help="sign a ledger checkpoint on this schedule whenever the log grew (0: only after writes)",
)
def serve(host: str, port: int, workers: int, checkpoint_every: int) -> None:
    """Serve the portal and the API with gunicorn (a production WSGI server).

    Beside it runs `ecredit ledger checkpoint --every SECONDS`, which ends with the server.
    """
    _django()
    if checkpoint_every:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ecredit.cli",
                "ledger",
                "checkpoint",
                "--every",
                str(checkpoint_every),
            ],
            preexec_fn=_end_with_parent,
            stdin=subprocess.DEVNULL,
        )
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "ecredit.web.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    ]
    os.execv(sys.executable, args)  # noqa: S606 - replace this process with gunicorn


# --- import -----------------------------------------------------------------------------------


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "type_name", required=True, help="record type, e.g. administrative_penalty")
@click.option("--source", "provider", required=True, help="provider key, e.g. market-regulation")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "jsonl", "parquet"]),
    help="default: from the file",
)
@click.option(
    "--received-at", help="backfill: the date the data originally reached the platform (YYYY-MM-DD)"
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object on stdout")
@click.option("--quiet", is_flag=True, help="no progress bar")
def import_(
    file: Path,
    type_name: str,
    provider: str,
    fmt: str | None,
    received_at: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Import a CSV, XLSX, JSON Lines or Parquet FILE of records of one type.

    Exit status: 0 when every row was stored or was a duplicate, 1 when some rows were rejected,
    2 when the file could not be read (nothing is stored then).
    """
    _django()
    from ecredit.accounts.principals import Actor
    from ecredit.core.ingest import FileUnreadable
    from ecredit.records.actions import IngestError
    from ecredit.records.imports import import_file

    when = _parse_date(received_at, "--received-at") if received_at else None
    try:
        report = import_file(
            Actor.system("import"),
            file,
            type_name=type_name,
            provider=provider,
            fmt=fmt,
            received_on=when,
            progress=not quiet and not as_json,
        )
    except FileUnreadable as exc:
        if as_json:
            click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        _fail(f"{file}: {exc}", code=2)
    except IngestError as exc:
        if as_json:
            click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        _fail(str(exc), code=2)
    data = report.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        click.echo(
            f"{file.name}: received {report.received:,}, stored {report.stored:,}, "
            f"duplicates {report.duplicates:,}, corrected {report.corrected:,}, "
            f"rejected {report.rejected:,}"
        )
        for e in report.errors[:50]:
            where = f"row {e.row}" + (f", {e.field}" if e.field else "")
            click.echo(f"  {where}: {e.message}")
        if len(report.errors) > 50:
            click.echo(f"  … {len(report.errors) - 50} more (use --json for all)")
    sys.exit(1 if report.rejected else 0)


# --- evaluation -------------------------------------------------------------------------------


@main.command()
@click.option(
    "--as-of", "as_of", help="evaluate with what was known at the end of this date (default: today)"
)
@click.option("--system", "system_version", help="indicator system version (default: the newest)")
@click.option(
    "--no-model",
    is_flag=True,
    help="grade with the indicator system's own score even if a champion model exists",
)
@click.option("--json", "as_json", is_flag=True)
def evaluate(as_of: str | None, system_version: str | None, no_model: bool, as_json: bool) -> None:
    """Evaluate every enterprise as of a date: the champion model's score (or the indicator
    system's, without a champion), the indicator system's vetoes, and the grade policy."""
    _django()
    from django.utils import timezone

    from ecredit.accounts.principals import Actor
    from ecredit.ratings.actions import EvaluationError, evaluate_all, summary
    from ecredit.web.progress import bar

    day = _parse_date(as_of, "--as-of") if as_of is not None else timezone.localdate()
    from ecredit.entities.models import Enterprise

    try:
        with bar("evaluating", Enterprise.objects.count(), enabled=not as_json) as advance:
            run = evaluate_all(
                Actor.system("evaluate"),
                day,
                system_version=system_version,
                progress=advance,
                use_model=not no_model,
            )
    except EvaluationError as exc:
        _fail(str(exc), code=2)
    data = summary(run)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        by = run.model_version.version if run.model_version else run.system_version
        click.echo(f"evaluated {run.evaluated:,} enterprises as of {run.as_of} with {by}")
        if run.normality:
            n = run.normality
            click.echo(
                f"  scores: mean {n['mean']:.0f}, sd {n['sd']:.0f}, skewness {n['skewness']:.3f}, "
                f"Jarque-Bera {n['jarque_bera']:.2f} (p {n['p_value']:.3f})"
            )
        click.echo("  " + "  ".join(f"{g}: {n:,}" for g, n in data["grades"].items()))


# --- demo -------------------------------------------------------------------------------------


@main.command()
@click.option("--enterprises", default=5000, show_default=True, type=click.IntRange(10, 1_000_000))
@click.option("--months", default=24, show_default=True, type=click.IntRange(1, 120))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option(
    "--if-empty", is_flag=True, help="do nothing when the database already holds enterprises"
)
def demo(enterprises: int, months: int, seed: int, if_empty: bool) -> None:
    """Generate a seeded demo population, load it through the real import paths, and evaluate it."""
    _django()
    from ecredit.demo import DemoError, load_demo

    try:
        result = load_demo(
            enterprises=enterprises, months=months, seed=seed, if_empty=if_empty, echo=click.echo
        )
    except DemoError as exc:
        _fail(str(exc), code=2)
    if result is None:
        click.echo("the database already holds data; demo not loaded")


# --- dictionary -------------------------------------------------------------------------------


@main.group()
def dictionary() -> None:
    """The unified data dictionary: record types, fields, providers."""


@dictionary.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["json-schema"]), default="json-schema", show_default=True
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def dictionary_export(fmt: str, directory: Path) -> None:
    """Write one JSON Schema file per record type into DIRECTORY."""
    from ecredit.core.dictionary import export_json_schemas, load_dictionary

    paths = export_json_schemas(load_dictionary(), directory)
    for p in paths:
        click.echo(str(p))


@dictionary.command("list")
def dictionary_list() -> None:
    """List the record types with their category and disclosure level."""
    from ecredit.core.dictionary import load_dictionary

    d = load_dictionary()
    click.echo(f"dictionary {d.version}")
    for t in d.types.values():
        click.echo(
            f"  {t.name:30} {t.category:15} {t.disclosure_level:10} {t.label_zh} / {t.label_en}"
        )


# --- accounts ---------------------------------------------------------------------------------


@main.group()
def orgs() -> None:
    """Organisations: departments, platforms, evaluators, banks, enterprises."""


@orgs.command("create")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["operator", "department", "platform", "evaluator", "bank", "enterprise"]),
)
@click.option("--name", required=True)
@click.option("--key", help="short unique key (default: from the name or provider)")
@click.option(
    "--provider",
    "provider_key",
    default="",
    help="data-dictionary provider this organisation submits as",
)
@click.option("--subject-id", help="for an enterprise organisation: the enterprise's subject id")
def orgs_create(
    kind: str, name: str, key: str | None, provider_key: str, subject_id: str | None
) -> None:
    """Register an organisation."""
    _django()
    from ecredit.accounts.actions import AccountError, create_organisation
    from ecredit.accounts.principals import Actor
    from ecredit.entities.queries import get_enterprise

    enterprise = None
    if subject_id:
        enterprise = get_enterprise(subject_id)
        if enterprise is None:
            _fail(f"no enterprise holds {subject_id!r}; import its registration record first")
    try:
        org = create_organisation(
            Actor.system("orgs"),
            kind=kind,
            name=name,
            key=key,
            provider_key=provider_key,
            enterprise=enterprise,
        )
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"created organisation {org.key} ({org.kind})")


@orgs.command("list")
def orgs_list() -> None:
    """List organisations."""
    _django()
    from ecredit.accounts.models import Organisation

    for o in Organisation.objects.all():
        extra = f" provider={o.provider_key}" if o.provider_key else ""
        click.echo(f"{o.key:30} {o.kind:11} {o.name}{extra}")


@main.group()
def tokens() -> None:
    """API tokens (Authorization: Bearer)."""


@tokens.command("create")
@click.option("--org", "org_key", required=True, help="organisation key")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "submitter", "regulator", "evaluator", "reader", "enterprise"]),
)
@click.option("--name", default="", help="what the token is for")
def tokens_create(org_key: str, role: str, name: str) -> None:
    """Create a token; it is printed once and only its hash is stored."""
    _django()
    from ecredit.accounts.actions import AccountError, create_token
    from ecredit.accounts.models import Organisation
    from ecredit.accounts.principals import Actor

    org = Organisation.objects.filter(key=org_key).first()
    if org is None:
        _fail(f"no organisation {org_key!r}; see `ecredit orgs list`")
    try:
        _token, text = create_token(Actor.system("tokens"), org, role, name)
    except AccountError as exc:
        _fail(str(exc))
    click.echo(text)
    click.echo("store it now: it is not shown again", err=True)


@tokens.command("revoke")
@click.argument("prefix")
def tokens_revoke(prefix: str) -> None:
    """Revoke the token that starts with PREFIX."""
    _django()
    from ecredit.accounts.actions import revoke_token
    from ecredit.accounts.models import ApiToken
    from ecredit.accounts.principals import Actor

    matches = list(
        ApiToken.objects.filter(prefix__startswith=prefix[:12], revoked_at__isnull=True)[:2]
    )
    if len(matches) != 1:
        _fail(f"{len(matches)} active tokens start with {prefix!r}; give a longer prefix")
    revoke_token(Actor.system("tokens"), matches[0])
    click.echo(f"revoked {matches[0].prefix}…")


@main.group()
def users() -> None:
    """People who log in to the site."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--org", "org_key", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "submitter", "regulator", "evaluator", "reader", "enterprise"]),
)
@click.option("--staff", is_flag=True, help="may use the admin site")
@click.password_option()
def users_create(username: str, org_key: str, role: str, staff: bool, password: str) -> None:
    """Create a user in an organisation with one role."""
    _django()
    from ecredit.accounts.actions import AccountError, create_user
    from ecredit.accounts.models import Organisation
    from ecredit.accounts.principals import Actor

    org = Organisation.objects.filter(key=org_key).first()
    if org is None:
        _fail(f"no organisation {org_key!r}")
    try:
        create_user(
            Actor.system("users"),
            username=username,
            password=password,
            organisation=org,
            role=role,
            staff=staff,
        )
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"created user {username}")


# --- reports ------------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--overdue-only", is_flag=True)
def obligations(as_json: bool, overdue_only: bool) -> None:
    """Show the data-sharing responsibility list and who is overdue."""
    _django()
    from django.utils import timezone

    from ecredit.records.queries import obligations as query

    rows = [r for r in query(timezone.now()) if r.overdue or not overdue_only]
    if as_json:
        out: list[dict[str, Any]] = [
            {
                **r.__dict__,
                "last_submitted": r.last_submitted.isoformat() if r.last_submitted else None,
                "due_by": r.due_by.isoformat(),
            }
            for r in rows
        ]
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    for r in rows:
        last = r.last_submitted.strftime("%Y-%m-%d") if r.last_submitted else "never"
        flag = click.style("OVERDUE", fg="red") if r.overdue else "ok"
        click.echo(
            f"{r.provider:20} {r.type_name:30} {r.frequency:9} last {last:10} due {r.due_by:%Y-%m-%d} {flag}"
        )


from ecredit.cli_model import model as _model  # noqa: E402

main.add_command(_model)

from ecredit.cli_batch import batch as _batch  # noqa: E402

main.add_command(_batch)

from ecredit.cli_ledger import ledger as _ledger  # noqa: E402

main.add_command(_ledger)

from ecredit.cli_inspections import inspections as _inspections  # noqa: E402

main.add_command(_inspections)
from ecredit.cli_lists import lists as _lists  # noqa: E402

main.add_command(_lists)
from ecredit.cli_credentials import credential as _credential  # noqa: E402

main.add_command(_credential)
from ecredit.cli_report import report as _report  # noqa: E402

main.add_command(_report)


if __name__ == "__main__":
    main()
