"""`ecredit credential`: issue, revoke and verify credit certificates (W3C Verifiable Credentials).

`verify` runs anywhere, without the platform's database or settings: it needs the certificate,
the issuer's published keys (`/api/v1/credentials/jwks`) and, to check revocation, the status
list (`/api/v1/credentials/status/1`), all as files.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from ecredit.core.credentials import CredentialError, verify

MAX_FILE = 4 * 1024 * 1024


def _django() -> None:
    from ecredit.cli import _django as setup  # here, not above: cli.py imports this module

    setup()


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _read(path: Path, what: str) -> str:
    try:
        if path.stat().st_size > MAX_FILE:
            _fail(f"{path}: the {what} is larger than {MAX_FILE // 1024 // 1024} MiB", 2)
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read the {what}: {exc}", 2)


@click.group("credential")
def credential() -> None:
    """Credit certificates: a grade, class and as-of date signed as a W3C Verifiable Credential.

    \b
    ecredit credential issue SUBJECT_ID [--days 90] [--output cert.jwt]
    ecredit credential keys --output keys.json        # the issuer's public keys, to publish
    ecredit credential status --output status.jwt     # the revocation status list, signed
    ecredit credential verify cert.jwt --jwks keys.json [--status status.jwt]   # offline
    ecredit credential revoke URN --reason "..."
    ecredit credential sweep                          # revoke certificates of changed grades
    """


@credential.command("issue")
@click.argument("subject_id")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 366))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
def issue_cmd(subject_id: str, days: int, output: Path | None) -> None:
    """Issue a certificate of the enterprise's latest published grade (as the operator)."""
    _django()
    from ecredit.accounts.principals import Actor
    from ecredit.credentials import actions
    from ecredit.entities.queries import get_enterprise

    enterprise = get_enterprise(subject_id)
    if enterprise is None:
        _fail(f"no enterprise with subject id {subject_id!r}; search: ecredit search NAME")
    try:
        cert = actions.issue(Actor.system("credential"), enterprise, days)
    except actions.CertificateError as exc:
        _fail(str(exc))
    if output:
        output.write_text(cert.token + "\n", encoding="utf-8")
        click.echo(
            f"{cert.credential_id}: {cert.grade} as of {cert.as_of}, valid until "
            f"{cert.valid_until:%Y-%m-%d}; written to {output}"
        )
    else:
        click.echo(cert.token)


@credential.command("keys")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
def keys_cmd(output: Path | None) -> None:
    """The issuer's public keys (a JWK set), created on first use."""
    _django()
    from ecredit.credentials import actions

    text = json.dumps(actions.published_keys(), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@credential.command("status")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
def status_cmd(output: Path | None) -> None:
    """The revocation status list as it is now (a signed BitstringStatusListCredential)."""
    _django()
    from ecredit.credentials import actions

    token = actions.status_list_token()
    if output:
        output.write_text(token + "\n", encoding="utf-8")
    else:
        click.echo(token)


@credential.command("revoke")
@click.argument("credential_id")
@click.option("--reason", required=True)
def revoke_cmd(credential_id: str, reason: str) -> None:
    """Revoke a certificate: its entry in the status list is set from now on."""
    _django()
    from ecredit.accounts.principals import Actor
    from ecredit.credentials import actions
    from ecredit.credentials.models import Certificate

    cert = Certificate.objects.filter(credential_id=credential_id[:60]).first()
    if cert is None:
        _fail(f"no certificate {credential_id!r}; list them in the admin or the API")
    try:
        actions.revoke(Actor.system("credential"), cert, reason)
    except actions.CertificateError as exc:
        _fail(str(exc))
    click.echo(f"{credential_id} revoked: {reason}")


@credential.command("sweep")
def sweep_cmd() -> None:
    """Revoke every current certificate whose enterprise's grade has changed since."""
    _django()
    from ecredit.accounts.principals import Actor
    from ecredit.credentials import actions

    n = actions.sweep(Actor.system("credential-sweep"))
    click.echo(f"revoked {n} certificate(s) whose grade changed")


@credential.command("verify")
@click.argument("certificate", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    "jwks_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the issuer's public keys, from /api/v1/credentials/jwks",
)
@click.option(
    "--status",
    "status_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the status list, from /api/v1/credentials/status/1 (to check revocation)",
)
@click.option("--at", "at", help="check validity at this UTC time (ISO 8601); default now")
@click.option("--json", "as_json", is_flag=True)
def verify_cmd(
    certificate: Path, jwks_path: Path, status_path: Path | None, at: str | None, as_json: bool
) -> None:
    """Check a certificate offline: signature, validity and revocation. Exit 0 when it holds,
    1 when it is genuine but expired or revoked, 2 when it cannot be trusted or read."""
    token = _read(certificate, "certificate")
    try:
        jwks: Any = json.loads(_read(jwks_path, "key set"))
    except ValueError as exc:
        _fail(f"{jwks_path}: not JSON: {exc}", 2)
    if not isinstance(jwks, dict):
        _fail(f"{jwks_path}: not a JWK set (an object with 'keys')", 2)
    status = _read(status_path, "status list") if status_path else None
    try:
        now = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else datetime.now(UTC)
    except ValueError:
        _fail(f"--at {at!r} is not an ISO 8601 time", 2)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        got = verify(token, jwks, now=now, status_token=status)
    except CredentialError as exc:
        if as_json:
            click.echo(json.dumps({"genuine": False, "error": str(exc)}))
        else:
            click.echo(f"NOT GENUINE: {exc}")
        sys.exit(2)
    subject = got.credential.get("credentialSubject", {})
    if as_json:
        click.echo(
            json.dumps(
                {
                    "genuine": True,
                    "valid": got.valid,
                    "revoked": got.revoked,
                    "expired": got.expired,
                    "checks": got.checks,
                    "credential": got.credential,
                },
                ensure_ascii=False,
            )
        )
    else:
        click.echo(f"certificate {got.credential.get('id')}")
        click.echo(
            f"  {subject.get('name')} ({subject.get('subjectId')}): grade "
            f"{subject.get('grade')}, class {subject.get('riskClass')}, as of "
            f"{subject.get('asOf')}"
        )
        for c in got.checks:
            click.echo(f"  {c}")
        click.echo("HOLDS: genuine and valid" if got.valid else "GENUINE BUT NOT VALID NOW")
    sys.exit(0 if got.valid else 1)
