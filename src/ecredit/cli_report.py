"""`ecredit report`: issue a credit report (GB/T 26817-2023 type) as a PDF, for operators."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click


@click.command("report")
@click.argument("subject_id")
@click.option(
    "--type",
    "report_type",
    type=click.Choice(["basic", "standard", "in-depth"]),
    default="standard",
    show_default=True,
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--audience",
    type=click.Choice(["public", "archive"]),
    default="public",
    show_default=True,
    help="public: what anyone may read; archive: the whole archive (for the enterprise itself)",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="data as of this day (default: today)")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the PDF file to write",
)
@click.option("--json", "as_json", is_flag=True, help="print the report's number, hash and leaf")
def report(
    subject_id: str,
    report_type: str,
    lang: str,
    audience: str,
    as_of: str | None,
    output: Path,
    as_json: bool,
) -> None:
    """Issue a credit report on SUBJECT_ID and write its PDF.

    The report is stored and its content hash becomes a ledger leaf (report/v1); the PDF
    carries its content and the leaf's proof, so `ecredit ledger verify FILE.pdf --key VKEY`
    checks it offline, and its QR code opens /verify/<number>.
    """
    from ecredit.cli import _django, _fail, _parse_date

    _django()
    from ecredit.accounts.principals import Actor
    from ecredit.entities.queries import get_enterprise
    from ecredit.reports import actions

    day: date | None = _parse_date(as_of, "--as-of") if as_of else None
    if not output.parent.is_dir() and str(output.parent):
        _fail(f"--output {output}: no directory {output.parent}", 2)
    enterprise = get_enterprise(subject_id)
    if enterprise is None:
        _fail(f"no enterprise with subject id {subject_id[:200]!r}", 2)
    try:
        issued = actions.issue_report(
            Actor.system("report"),
            enterprise,
            report_type=report_type,
            lang=lang,
            audience=audience,
            as_of=day,
        )
    except ValueError as exc:
        _fail(str(exc), 2)
    try:
        output.write_bytes(actions.pdf_of(issued))
    except OSError as exc:
        _fail(f"cannot write {output}: {exc}")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "number": issued.number,
                    "subject_id": issued.subject_id,
                    "type": issued.report_type,
                    "lang": issued.lang,
                    "as_of": issued.as_of.isoformat(),
                    "content_hash": issued.content_hash,
                    "ledger_index": issued.ledger_index,
                    "pdf_sha256": issued.pdf_sha256,
                    "verify_url": actions.verify_url(issued.number),
                    "output": str(output),
                }
            )
        )
        return
    click.echo(
        f"issued {issued.number} ({report_type}, {lang}) on {issued.subject_id} as of "
        f"{issued.as_of}: leaf {issued.ledger_index}, content SHA-256 {issued.content_hash}; "
        f"wrote {output}; verify at {actions.verify_url(issued.number)}"
    )
