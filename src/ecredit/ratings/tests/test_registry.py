"""Models trained on the platform's own history: registry, champion grading, reproducibility.

One synthetic population (600 enterprises, 24 months, through the real ingestion path) is loaded
once for the module; a scorecard champion and a logistic challenger are trained on it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.management import call_command
from django.db import IntegrityError, transaction

from ecredit.accounts.principals import Actor
from ecredit.cli import main
from ecredit.core.scoring.policy import load_policy, worse
from ecredit.core.scoring.system import GRADES
from ecredit.entities.models import Enterprise
from ecredit.ratings import training
from ecredit.ratings.actions import EvaluationError, evaluate_all, reproduce
from ecredit.ratings.models import Evaluation, EvaluationRun, ModelVersion
from ecredit.ratings.tests.population import load_population, received
from ecredit.records.actions import ingest_batch

END = date(2026, 6, 30)  # the population's last day: fixed, so the data never depend on today
ACTOR = Actor.system("test")

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The population, a training table, a scorecard champion, a logistic challenger and one
    evaluation run by the champion; all removed again after the module."""
    with django_db_blocker.unblock():
        try:
            load_population(600, 24, seed=11, end=END)
            target = load_policy().serious
            assert target is not None
            table = training.build_training_set(END, target)
            champion = training.train_model(ACTOR, "scorecard", END, training_set=table)
            challenger = training.train_model(ACTOR, "logistic", END, training_set=table)
            run = evaluate_all(ACTOR, END)
            yield {
                "table": table,
                "champion": champion,
                "challenger": challenger,
                "run": run,
            }
        finally:
            call_command("flush", interactive=False, verbosity=0)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- the training table ------------------------------------------------------------------------


def test_the_split_is_by_time_and_rows_are_point_in_time(world: dict[str, Any]) -> None:
    table = world["table"]
    assert table.train_dates and table.test_dates
    assert max(table.train_dates) < min(table.test_dates)
    # every observation leaves a whole 12-month horizon before the training date
    assert all(load_policy().serious.window_end(d) <= END for d in table.test_dates)  # type: ignore[union-attr]
    assert set(table.y.tolist()) == {0, 1}
    assert "related_low_grade" not in table.X.columns


def test_a_record_received_after_the_training_date_changes_nothing(world: dict[str, Any]) -> None:
    """Leakage: a serious listing that happened before END but arrived after it is not seen."""
    before = world["table"]
    subject = Enterprise.objects.filter(provisional=False).order_by("pk")[0].subject_id
    later = END.replace(day=1) if END.day > 1 else END
    ingest_batch(
        ACTOR,
        type_name="serious_dishonesty_listing",
        provider="market-regulation",
        records=[
            {
                "subject_id": subject,
                "decision_no": "测试严重〔2026〕1号",
                "listed_on": later.isoformat(),
                "authority": "杭州市市场监督管理局",
                "reason": "测试",
            }
        ],
        received_at=received(date(2026, 7, 15)),
    )
    target = load_policy().serious
    assert target is not None
    after = training.build_training_set(END, target)
    from ecredit.core.scoring.models.artefact import data_hash

    assert data_hash(after.X, after.y, after.dates, after.keys) == data_hash(
        before.X, before.y, before.dates, before.keys
    )
    assert after.reference.equals(before.reference)


# -- the registry --------------------------------------------------------------------------------


def test_a_trained_model_is_a_versioned_artefact_with_hashes_metrics_and_plots(
    world: dict[str, Any],
) -> None:
    m: ModelVersion = world["champion"]
    from ecredit.core.scoring.models.artefact import sha256

    path = training.models_dir() / m.artefact
    assert sha256(path.read_bytes()) == m.artefact_sha256
    assert m.version.startswith(f"scorecard-{END:%Y%m%d}-") and m.artefact_sha256.startswith(
        m.version.rsplit("-", 1)[1]
    )
    assert len(m.training_data_sha256) == 64
    assert m.features and "related_low_grade" not in m.features
    assert m.params["min_bin_size"] == 0.01
    for key in ("auc", "ks", "gini", "brier", "calibration", "bad_rate_by_grade", "psi"):
        assert key in m.metrics, key
    assert 0.5 < m.metrics["auc"] <= 1
    assert m.split["test_bad"] > 0 and m.split["train_bad"] > 0
    assert m.metrics["reference_normality"]["n"] == len(world["table"].reference)
    assert set(m.plots) == {"roc", "scores", "calibration", "grades"}
    for name in m.plots:
        width, height = png_size(training.models_dir() / m.version / f"{name}.png")
        assert width > 300 and height > 200


def test_one_champion_per_system_and_promotion_swaps(world: dict[str, Any]) -> None:
    champion, challenger = world["champion"], world["challenger"]
    assert champion.status == "champion" and challenger.status == "challenger"
    training.promote_model(ACTOR, challenger)
    champion.refresh_from_db()
    assert champion.status == "challenger"
    assert training.champion(champion.system_version) == challenger
    training.promote_model(ACTOR, champion)
    assert training.champion(champion.system_version) == champion
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=challenger.pk).update(status="champion")


def test_training_again_on_the_same_data_gives_the_same_probabilities(
    world: dict[str, Any],
) -> None:
    table = world["table"]
    first = training.load(world["champion"])
    again = training.train_model(ACTOR, "scorecard", END, training_set=table, promote=False)
    second = training.load(again)
    X = table.reference
    assert first.predict(X).tobytes() == second.predict(X).tobytes()


# -- grading by the champion ---------------------------------------------------------------------


def test_the_champion_grades_through_its_normal_map_and_the_policy_bands(
    world: dict[str, Any],
) -> None:
    run: EvaluationRun = world["run"]
    champion = world["champion"]
    loaded = training.load(champion)
    policy = load_policy()
    assert run.model_version == champion
    evaluations = list(run.evaluations.all())
    assert {e.model_version_id for e in evaluations} == {champion.pk}
    for ev in evaluations:
        assert ev.risk is not None
        assert ev.score == round(float(loaded.score_map.score_array([ev.risk])[0]))
        cap = None
        if ev.vetoes:
            cap = max((v["cap_grade"] for v in ev.vetoes), key=GRADES.index)
        expected = policy.grade_for(ev.score)
        assert ev.candidate_grade == (worse(expected, cap) if cap else expected)
        assert ev.rule == "initial" and ev.grade == ev.candidate_grade
        assert champion.version not in ev.challenger_scores
        assert set(ev.challenger_scores) == {world["challenger"].version}
    # the published score is close to N(600, 110) on this population
    assert run.normality is not None and abs(run.normality["mean"] - 600) < 25
    assert world["challenger"].version in run.challengers
    assert 0 <= run.challengers[world["challenger"].version]["same_grade"] <= 1


def test_reasons_and_advice_come_from_the_model(world: dict[str, Any]) -> None:
    run: EvaluationRun = world["run"]
    weak = run.evaluations.filter(vetoes=[]).exclude(grade="AAA").order_by("score").first()
    assert weak is not None
    assert weak.reasons_en and weak.reasons_zh
    assert any("good enterprises typically" in r for r in weak.reasons_en)
    assert weak.what_if["target_grade"] == GRADES[GRADES.index(weak.candidate_grade) - 1]
    assert weak.what_if["en"] and weak.what_if["zh"]
    best = run.evaluations.filter(grade="AAA").first()
    if best is not None:
        assert best.what_if == {}


def test_an_evaluation_reproduces_bit_for_bit_even_after_new_records(
    world: dict[str, Any],
) -> None:
    run: EvaluationRun = world["run"]
    for ev in run.evaluations.order_by("score")[:3]:
        result = reproduce(ev)
        assert result["same"], result
        assert [c["what"] for c in result["checks"]] == ["features", "probability", "score"]
    ev = run.evaluations.order_by("-score").first()
    out = cli("model", "reproduce", str(ev.pk), "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["same"] is True


def test_a_tampered_artefact_stops_evaluation_with_a_clear_error(
    world: dict[str, Any],
) -> None:
    champion = world["champion"]
    path = training.models_dir() / champion.artefact
    original = path.read_bytes()
    try:
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        with pytest.raises(EvaluationError, match="changed after training"):
            evaluate_all(ACTOR, END)
        out = CliRunner().invoke(main, ["evaluate", "--as-of", END.isoformat()])
        assert out.exit_code == 2
        assert "--no-model" in out.output
        # the indicator system still grades when asked
        run = evaluate_all(ACTOR, END, use_model=False)
        assert run.model_version is None
    finally:
        path.write_bytes(original)


# -- the command line --------------------------------------------------------------------------


def test_cli_lists_validates_and_refuses_bad_requests(
    world: dict[str, Any], tmp_path: Path
) -> None:
    listed = [json.loads(line) for line in cli("model", "list", "--json").output.splitlines()]
    assert {e["version"] for e in listed} >= {
        world["champion"].version,
        world["challenger"].version,
    }
    assert all(len(e["artefact_sha256"]) == 64 for e in listed)

    out = cli(
        "model", "validate", "--as-of", END.isoformat(), "--output", str(tmp_path / "v"), "--json"
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["version"] == world["champion"].version
    assert report["metrics"]["psi"]["value"] >= 0
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == [
        "calibration.png",
        "grades.png",
        "report.json",
        "roc.png",
        "scores.png",
    ]

    for args, message in (
        (["model", "train", "--family", "xgboost"], "unknown xgboost"),
        (["model", "train", "--family", "scorecard", "--as-of", "2999-01-01"], "future"),
        (["model", "train", "--family", "scorecard", "--as-of", "31/12/2025"], "not a date"),
        (
            ["model", "train", "--family", "scorecard", "--as-of", "2025-03-31"],
            "training needs at least",
        ),
        (["model", "train", "--family", "scorecard", "--param", "pdo"], "NAME=VALUE"),
        (["model", "train", "--family", "scorecard", "--param", "colour=1"], "bad parameters"),
        (["model", "train", "--family", "scorecard", "--param", "pdo=-3"], "pdo must be"),
        (["model", "train", "--family", "all", "--param", "pdo=30"], "applies to one family"),
        (["model", "promote", "no-such-model"], "no model 'no-such-model'"),
        (["model", "validate", "--version", "no-such-model"], "no model 'no-such-model'"),
        (["model", "validate", "--target", "bad"], "--target goes with --csv"),
        (["model", "reproduce", "999999"], "no evaluation #999999"),
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)


def test_model_pages_show_metrics_plots_and_the_scorecard(
    world: dict[str, Any], client: Any
) -> None:
    champion = world["champion"]
    listing = client.get("/models/").content.decode()
    assert champion.version in listing and world["challenger"].version in listing
    page = client.get(f"/models/{champion.version}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{champion.metrics['auc']:.4f}" in html
    assert 'data-testid="scorecard"' in html
    for name in ("roc", "scores", "calibration", "grades"):
        assert f"/models/{champion.version}/{name}.png" in html
        img = client.get(f"/models/{champion.version}/{name}.png")
        assert img.status_code == 200 and img["Content-Type"] == "image/png"
        assert b"".join(img.streaming_content)[:4] == b"\x89PNG"
    assert client.get(f"/models/{champion.version}/secret.png").status_code == 404
    assert client.get(f"/models/{champion.version}/..%2Fx.png").status_code == 404
    assert client.get("/models/no-such-model/").status_code == 404
    ev = Evaluation.objects.filter(run=world["run"]).first()
    assert ev is not None
    page = client.get(f"/enterprises/{ev.enterprise.subject_id}/").content.decode()
    assert f"/models/{champion.version}/" in page


def test_too_little_history_is_refused_with_what_is_needed() -> None:
    """A history shorter than warm-up + horizon + two months cannot train: the error says so."""
    target = load_policy().serious
    assert target is not None
    with pytest.raises(training.TrainingError, match="training needs at least"):
        training.build_training_set(date(2025, 3, 31), target)


def test_the_api_names_the_model_behind_each_grade_and_serves_the_registry(
    world: dict[str, Any], client: Any
) -> None:
    champion = world["champion"]
    ev = Evaluation.objects.filter(run=world["run"]).select_related("enterprise").first()
    assert ev is not None
    body = client.get(f"/api/v1/enterprises/{ev.enterprise.subject_id}").json()
    assert body["grade"]["model_version"] == champion.version
    assert body["grade"]["probability"] == ev.risk
    assert body["grade"]["rule"] == "initial"
    models = client.get("/api/v1/models").json()
    assert models[0]["version"] == champion.version and models[0]["status"] == "champion"
    detail = client.get(f"/api/v1/models/{champion.version}").json()
    assert detail["metrics"]["auc"] == champion.metrics["auc"]
    assert detail["artefact_sha256"] == champion.artefact_sha256
    missing = client.get("/api/v1/models/" + "x" * 5000)
    assert missing.status_code == 404 and "GET /api/v1/models" in missing.json()["detail"]
    runs = client.get("/api/v1/evaluation-runs").json()
    assert runs[0]["model_version"] == champion.version
    assert runs[0]["normality"]["n"] == world["run"].evaluated


def test_scorecard_scaling_is_configurable_from_the_command_line(world: dict[str, Any]) -> None:
    out = cli(
        "model",
        "train",
        "--family",
        "scorecard",
        "--as-of",
        END.isoformat(),
        "--no-promote",
        "--param",
        "base_points=500",
        "--param",
        "pdo=40",
        "--param",
        "base_odds=20",
        "--json",
    )
    assert out.exit_code == 0, out.output
    entry = json.loads(out.output.splitlines()[-1])
    assert entry["status"] == "challenger"
    assert (
        entry["params"]["base_points"],
        entry["params"]["pdo"],
        entry["params"]["base_odds"],
    ) == (
        500,
        40,
        20,
    )
    card = training.load(ModelVersion.objects.get(version=entry["version"])).model
    assert card.scaling.pdo == 40 and card.scaling.base_points == 500
