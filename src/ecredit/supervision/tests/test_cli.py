"""`ecredit inspections`: a plan from the command line, and verify on the database, a file and
a tampered file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ecredit.cli import main
from ecredit.supervision.tests.conftest import POOL, due, rate

pytestmark = pytest.mark.django_db


def cli(*args: Any) -> Any:
    return CliRunner().invoke(main, ["inspections", *map(str, args)])


def run_plan(tmp_path: Path) -> tuple[str, dict[str, Any]]:
    keys = rate(24)
    for code in POOL:
        assert cli("inspector", code, f"检查员{code}").exit_code == 0
    r = cli("conflict", "insp-a", keys[3], "--reason", "亲属关系")
    assert r.exit_code == 0, r.output
    r = cli(
        "plan", "--name", "季度抽查", "--due", due().isoformat(), "--json",
        *[a for c in POOL for a in ("--inspector", c)],
        "--ratio", "A=0.5", "--ratio", "B=0.5", "--ratio", "C=0.5", "--ratio", "D=1",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    plan_id = json.loads(r.stdout)["id"]
    assert cli("commit", plan_id).exit_code == 0
    r = cli("draw", plan_id, "--json")
    assert r.exit_code == 0, r.output
    drawn = json.loads(r.stdout)
    results = tmp_path / "results.json"
    results.write_text(
        json.dumps(
            [
                {"subject_id": k, "result": "no_issue", "inspected_on": drawn["as_of"]}
                for k in drawn["selected"]
            ]
        )
    )
    r = cli("results", plan_id, results, "--close")
    assert r.exit_code == 0, r.output
    assert f"{plan_id} closed" in r.output
    return plan_id, drawn


def test_a_plan_from_the_command_line_verifies(tmp_path):
    plan_id, drawn = run_plan(tmp_path)
    assert not [
        k
        for k, pair in drawn["assignments"].items()
        if k == drawn["conflicts"][0]["key"] and "insp-a" in pair
    ]
    listed = cli("list")
    assert f"{plan_id}  closed" in listed.output
    r = cli("verify", plan_id)
    assert r.exit_code == 0, r.output
    assert "the plan holds" in r.output
    assert "SHA-256 of the revealed seed equals the commitment" in r.output


def test_verify_works_offline_on_a_file_and_fails_on_a_tampered_one(tmp_path, client):
    plan_id, _ = run_plan(tmp_path)
    published = client.get(f"/api/v1/inspections/plans/{plan_id}").json()
    good = tmp_path / "plan.json"
    good.write_text(json.dumps(published))
    # offline: a fresh interpreter with no settings and no database
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "",
        "DATABASE_URL": "postgresql://nowhere:1/x",
    }
    exe = Path(sys.executable).with_name("ecredit")
    out = subprocess.run(
        [str(exe), "inspections", "verify", str(good), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["ok"] is True
    assert [c["check"] for c in report["checks"] if c["ok"]] == [
        "population", "ratios", "commitment", "selection", "assignments", "conflicts", "results",
    ]  # fmt: skip

    tampered = dict(published, seed="00" * 32)
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered))
    r = cli("verify", bad)
    assert r.exit_code == 1
    assert "FAIL commitment" in r.output and "the plan does NOT hold" in r.output

    dropped = dict(published, selected=published["selected"][1:])
    bad.write_text(json.dumps(dropped))
    r = cli("verify", bad)
    assert r.exit_code == 1
    assert (
        f"FAIL selection     selection: drawn but not published: {published['selected'][0]}"
        in r.output
    )


def test_verify_of_what_cannot_be_read_exits_2(tmp_path):
    (tmp_path / "x.json").write_text("{nope")
    assert cli("verify", tmp_path / "x.json").exit_code == 2
    assert cli("verify", "IP424242").exit_code == 2


def test_mistakes_on_the_command_line_are_named(tmp_path):
    rate(2)
    r = cli("plan", "--name", "p", "--due", "tomorrow", "--inspector", "a", "--inspector", "b")
    assert (r.exit_code, "--due 'tomorrow' is not a date" in r.output) == (2, True)
    r = cli(
        "plan", "--name", "p", "--due", due().isoformat(), "--inspector", "a", "--inspector", "b"
    )
    assert (r.exit_code, "no active inspector 'a'" in r.output) == (1, True)
    assert cli("commit", "IP424242").exit_code == 1


def test_verify_fetches_a_plan_by_url(tmp_path, client):
    import functools
    import http.server
    import threading

    plan_id, _ = run_plan(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "plan.json").write_text(
        client.get(f"/api/v1/inspections/plans/{plan_id}").content.decode()
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = cli("verify", f"{url}/plan.json")
        assert r.exit_code == 0, r.output
        assert "the plan holds" in r.output
        assert cli("verify", f"{url}/missing.json").exit_code == 2
    finally:
        server.shutdown()
        server.server_close()
