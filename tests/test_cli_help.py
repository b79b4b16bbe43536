"""Every command and group answers --help, and the README mentions every top-level command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from ecredit.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


ALL = [(), *_commands(main)]


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "ecredit")
def test_help_on_every_level(path):
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_console_script_runs():
    exe = Path(sys.executable).with_name("ecredit")
    out = subprocess.run(
        [str(exe), "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    assert "import" in out.stdout and "evaluate" in out.stdout


def test_readme_documents_every_top_level_command():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in main.commands if f"ecredit {name}" not in readme]
    assert missing == []


@pytest.mark.django_db
def test_migrations_match_the_models():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
