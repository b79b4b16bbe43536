"""`ecredit migrate` and `ecredit serve` as a newcomer runs them: a real gunicorn on a free port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_migrate_then_serve_answers_pages_and_api(tmp_path):
    env = {**os.environ, "ECREDIT_DATA_DIR": str(tmp_path), "ECREDIT_ENV": "development"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [BIN / "ecredit", "migrate"], env=env, check=True, capture_output=True, timeout=120
    )
    assert (tmp_path / "ecredit.sqlite3").exists()
    port = free_port()
    server = subprocess.Popen(
        [
            BIN / "ecredit",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--checkpoint-every",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                home = urllib.request.urlopen(base + "/", timeout=2)  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer within 10 s")
        assert home.status == 200
        assert b"ecredit" in home.read()
        schema = json.load(urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5))  # noqa: S310
        assert schema["info"]["title"] == "ecredit API"
        css = urllib.request.urlopen(base + "/static/portal/site.css", timeout=5)  # noqa: S310
        assert css.status == 200
        for _ in range(100):  # the checkpoint schedule beside the server signs the empty log
            if "checkpoint signed size 0" in _checkpoints(tmp_path):
                break
            time.sleep(0.1)
        else:
            pytest.fail("no checkpoint was signed on the schedule within 10 s")
    finally:
        server.terminate()
        out = server.communicate(timeout=20)[0].decode()
    assert "gunicorn" in out.lower() or "Booting worker" in out or "Listening at" in out
    assert "checkpoint signed size 0" in out
    for _ in range(50):
        if not _schedulers(tmp_path):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the checkpoint schedule outlived the server")


def _schedulers(data_dir: Path) -> list[int]:
    """Processes running `ledger checkpoint --every` with this test's data directory."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"ledger checkpoint --every" in cmdline and str(data_dir).encode() in environ:
            found.append(int(proc.name))
    return found


def _checkpoints(data_dir: Path) -> str:
    import sqlite3

    with sqlite3.connect(data_dir / "ecredit.sqlite3") as db:
        rows = db.execute("SELECT size FROM ledger_checkpoint").fetchall()
    return "checkpoint signed size 0" if rows else ""
