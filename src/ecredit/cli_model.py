"""`ecredit model`: train on the platform's history, keep the registry, validate and reproduce."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any, NoReturn

import click

FAMILY_NAMES = ("scorecard", "logistic", "random_forest", "mlp", "gradient_boosting")


def _fail(message: str, code: int = 2) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _names(value: str | None, what: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    if allowed is not None:
        unknown = [n for n in names if n not in allowed]
        if unknown:
            _fail(f"{what}: unknown {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return names


@click.group()
def model() -> None:
    """Statistical models: train, register, promote, validate, reproduce.

    \b
    ecredit model train --family F [--as-of DATE]   train on the platform's own history
    ecredit model list                              the registry: versions, metrics, champion
    ecredit model promote VERSION                   make a model the champion
    ecredit model validate [--version V]            report on the platform's latest history
    ecredit model validate --csv FILE --target C    cross-validate families on any labelled CSV
    ecredit model reproduce EVALUATION_ID           recompute a stored evaluation, bit for bit
    """


@model.command()
@click.option(
    "--csv",
    "csv_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=str),
    help="A UTF-8 CSV file with a header row; blank cells are missing values.",
)
@click.option("--target", default=None, help="With --csv: the column holding the outcome.")
@click.option(
    "--positive",
    default=None,
    help="The target value that means bad (default: the one of two values that reads "
    "1, true, yes or bad). With more than two values, every other value counts as good.",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50))
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--families",
    default=",".join(FAMILY_NAMES),
    show_default=True,
    help="Comma-separated model families to validate.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seeds folds and models.")
@click.option(
    "--categorical",
    default=None,
    metavar="COLUMNS",
    help="Comma-separated columns to treat as categories even if they hold numbers.",
)
@click.option(
    "--drop", default=None, metavar="COLUMNS", help="Comma-separated columns to leave out."
)
@click.option(
    "--version",
    "version",
    default=None,
    help="Without --csv: the registered model to validate (default: the champion).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Without --csv: validate on history known at the end of this date (default: today).",
)
@click.option(
    "--output",
    default=None,
    type=click.Path(file_okay=False, path_type=str),
    help="Without --csv: write the plots (PNG) and report.json into this directory.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON line per family, nothing else.")
def validate(
    csv_path: str | None,
    target: str | None,
    positive: str | None,
    folds: int,
    repeats: int,
    families: str,
    seed: int,
    categorical: str | None,
    drop: str | None,
    version: str | None,
    as_of: str | None,
    output: str | None,
    as_json: bool,
) -> None:
    """Validate models: on the platform's history, or on any labelled CSV.

    Without --csv: the registered model (the champion unless --version) is scored on the
    latest observation months whose 12-month outcome is known as of --as-of, with AUC, KS,
    Gini, Brier score, a calibration table, bad rate by grade, PSI against the model's
    reference population and the normality of the scores; --output writes the plots.

    With --csv: repeated stratified K-fold cross-validation of model families. Every fit
    (binning, imputation, encoding, the model) sees only the training fold. Prints mean and
    standard deviation of AUC and KS on the held-out folds, per family.
    """
    if csv_path is None:
        if target is not None:
            _fail("--target goes with --csv; without --csv the platform's target is used")
        _validate_platform(version, as_of, output, as_json)
        return
    if target is None:
        _fail("--csv needs --target COLUMN: the column holding the outcome")
    from ecredit.core.scoring.models import DatasetError, cross_validate, load_labelled_csv

    chosen = _names(families, "--families", FAMILY_NAMES)
    if not chosen:
        _fail("--families: name at least one family")
    try:
        table = load_labelled_csv(
            csv_path,
            target,
            positive,
            folds=folds,
            categorical=_names(categorical, "--categorical"),
            drop=_names(drop, "--drop"),
        )
    except DatasetError as exc:
        _fail(str(exc))

    if as_json:
        for name in chosen:
            result = cross_validate(table.X, table.y, name, folds=folds, repeats=repeats, seed=seed)
            click.echo(json.dumps(result.summary()))
        return

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    err = Console(stderr=True)
    for note in table.notes:
        err.print(f"note: {note}")
    err.print(
        f"{len(table.y)} rows, {table.n_bad} bad ({table.target} = {table.positive!r}); "
        f"{len(table.numeric)} numeric and {len(table.categorical)} categorical features; "
        f"{folds} folds x {repeats} repeats, seed {seed}"
    )
    results = []
    with Progress(console=err, transient=True) as progress:
        for name in chosen:
            task = progress.add_task(name, total=folds * repeats)
            results.append(
                cross_validate(
                    table.X,
                    table.y,
                    name,
                    folds=folds,
                    repeats=repeats,
                    seed=seed,
                    on_fold=lambda done, total, task=task: progress.update(task, completed=done),
                )
            )
    out = Table("family", "AUC mean", "AUC std", "KS mean", "KS std")
    for r in results:
        s = r.summary()
        out.add_row(
            r.family,
            f"{s['auc_mean']:.4f}",
            f"{s['auc_std']:.4f}",
            f"{s['ks_mean']:.4f}",
            f"{s['ks_std']:.4f}",
        )
    Console().print(out)


def _django() -> None:
    from ecredit.cli import _django as setup

    setup()


def _day(value: str | None, what: str) -> date:
    from django.utils import timezone

    if value is None:
        return timezone.localdate()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        _fail(f"{what} {value!r} is not a date; use YYYY-MM-DD")
    if day > timezone.localdate():
        _fail(f"{what} {day} is in the future; models use only what is known")
    return day


def _report_rows(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("rows (test)", f"{metrics['n']:,} ({metrics['bad']:,} with a serious event)"),
        ("AUC", f"{metrics['auc']:.4f}"),
        ("KS", f"{metrics['ks']:.4f}"),
        ("Gini", f"{metrics['gini']:.4f}"),
        ("Brier", f"{metrics['brier']:.4f}"),
    ]
    mono = metrics.get("monotonicity") or {}
    rows.append(
        (
            "bad rate by grade, C to AAA",
            "falls at every step"
            if mono.get("strict")
            else "rises somewhere, "
            + ("significantly (p < 0.05)" if mono.get("significant") else "within noise"),
        )
    )
    if metrics.get("psi"):
        from ecredit.core.scoring.models.report import psi_label

        v = metrics["psi"]["value"]
        rows.append(
            (f"PSI {metrics['psi']['from']} -> {metrics['psi']['to']}", f"{v:.4f} ({psi_label(v)})")
        )
    norm = metrics.get("normality") or metrics.get("reference_normality")
    if norm:
        rows.append(
            (
                "score normality (Jarque-Bera)",
                f"mean {norm['mean']:.0f}, sd {norm['sd']:.0f}, JB {norm['jarque_bera']:.2f}, "
                f"p {norm['p_value']:.3f}",
            )
        )
    return rows


def _print_report(title: str, metrics: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Table("measure", "value", title=title)
    for k, v in _report_rows(metrics):
        out.add_row(k, v)
    grades = Table("grade", "rows", "events", "rate", title="bad rate by grade")
    for g in metrics.get("bad_rate_by_grade", []):
        rate = g["bad_rate"]
        grades.add_row(
            g["grade"], f"{g['n']:,}", f"{g['bad']:,}", "—" if rate is None else f"{rate:.2%}"
        )
    Console().print(out)
    Console().print(grades)


@model.command()
@click.option(
    "--family",
    required=True,
    help=f"The model family, or 'all' to train every family on one training table: "
    f"{', '.join(FAMILY_NAMES)}.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Train on what was known at the end of this date (default: today).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the family, repeatable: e.g. --param base_points=500 --param pdo=40 "
    "--param base_odds=20 for a scorecard's scaling. Values are read as JSON (numbers, true, "
    "null) or else as text.",
)
@click.option(
    "--promote/--no-promote",
    default=None,
    help="Make it the champion (default: only when the indicator system has none; with "
    "--family all, the scorecard).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON line per model trained.")
def train(
    family: str,
    as_of: str | None,
    seed: int,
    params: tuple[str, ...],
    promote: bool | None,
    as_json: bool,
) -> None:
    """Train on the platform's own history with a time-based split, and register the model.

    Rows are (enterprise, month-end) pairs with the features known then and whether a serious
    event followed within 12 months; the latest months are held out as the test set. The model,
    its hashes, parameters, metrics and plots go into the registry under ECREDIT_DATA_DIR/models.
    """
    names = list(FAMILY_NAMES) if family == "all" else _names(family, "--family", FAMILY_NAMES)
    if not names:
        _fail("--family: name a family or 'all'")
    overrides = _params(params)
    if overrides and len(names) > 1:
        _fail("--param applies to one family; name it with --family")
    _django()
    from ecredit.accounts.principals import Actor
    from ecredit.core.scoring.policy import load_policy
    from ecredit.ratings import training
    from ecredit.web.progress import bar

    day = _day(as_of, "--as-of")
    policy = load_policy()
    target = policy.serious
    assert target is not None  # the policy file names the serious-event target
    actor = Actor.system("model-train")
    try:
        for name in names:  # refuse bad parameters before the long part
            training.make_model(name, seed, overrides)
        history = training.load_history(day)
        dates = (
            training.observation_dates(history.first_received, day, target)
            if history.first_received
            else []
        )
        with bar("building the training table", len(dates) + 1, enabled=not as_json) as advance:
            table = training.build_training_set(day, target, progress=advance, history=history)
        for name in names:
            wanted = promote
            if family == "all":  # the scorecard is the one that may become champion
                wanted = promote if name == "scorecard" else False
            entry = training.train_model(
                actor, name, day, seed=seed, params=overrides, promote=wanted, training_set=table
            )
            if as_json:
                click.echo(json.dumps(_entry_json(entry), ensure_ascii=False))
            else:
                click.echo(
                    f"{entry.version}  {entry.status}  test AUC {entry.metrics['auc']:.4f}  "
                    f"KS {entry.metrics['ks']:.4f}  ({entry.split['train_rows']:,} training rows, "
                    f"{entry.split['test_rows']:,} test rows)"
                )
    except (training.TrainingError, ValueError) as exc:
        _fail(str(exc))


def _params(items: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip().isidentifier():
            _fail(f"--param {item!r}: write NAME=VALUE, e.g. --param pdo=40")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        out[name.strip()] = value
    return out


def _entry_json(entry: Any) -> dict[str, Any]:
    return {
        "version": entry.version,
        "family": entry.family,
        "status": entry.status,
        "as_of": entry.as_of.isoformat(),
        "system_version": entry.system_version,
        "target": entry.target,
        "artefact_sha256": entry.artefact_sha256,
        "training_data_sha256": entry.training_data_sha256,
        "features": entry.features,
        "params": entry.params,
        "split": entry.split,
        "auc": entry.metrics.get("auc"),
        "ks": entry.metrics.get("ks"),
        "gini": entry.metrics.get("gini"),
        "brier": entry.metrics.get("brier"),
        "monotone_bad_rate": entry.metrics.get("monotone_bad_rate"),
    }


@model.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per model.")
def list_models(as_json: bool) -> None:
    """List trained models in the registry: version, family, status, test metrics."""
    _django()
    from ecredit.ratings.models import ModelVersion

    entries = list(ModelVersion.objects.order_by("-created_at", "-id"))
    if as_json:
        for e in entries:
            click.echo(json.dumps(_entry_json(e), ensure_ascii=False))
        return
    if not entries:
        click.echo("no trained models yet; train one with `ecredit model train --family scorecard`")
        return
    from rich.console import Console
    from rich.table import Table

    out = Table("version", "family", "status", "as of", "test AUC", "KS", "Brier", "C→AAA")
    for e in entries:
        m = e.metrics
        out.add_row(
            e.version,
            e.family,
            e.status,
            e.as_of.isoformat(),
            f"{m['auc']:.4f}",
            f"{m['ks']:.4f}",
            f"{m['brier']:.4f}",
            "monotone" if m.get("monotone_bad_rate") else "not monotone",
        )
    console = Console()
    console.print(out, width=None if console.is_terminal else 160)


@model.command()
@click.argument("version")
def promote(version: str) -> None:
    """Make VERSION the champion of its indicator system (the old champion becomes a challenger)."""
    _django()
    from ecredit.accounts.principals import Actor
    from ecredit.ratings import training
    from ecredit.ratings.models import ModelVersion

    entry = ModelVersion.objects.filter(version=version).first()
    if entry is None:
        known = ", ".join(ModelVersion.objects.values_list("version", flat=True)[:10]) or "none"
        _fail(f"no model {version!r} in the registry (known: {known}); see `ecredit model list`")
    try:
        training.load(entry)  # refuse a champion whose artefact is missing or altered
    except ValueError as exc:
        _fail(str(exc))
    training.promote_model(Actor.system("model-promote"), entry)
    click.echo(f"{entry.version} is now the champion of {entry.system_version}")


def _validate_platform(
    version: str | None, as_of: str | None, output: str | None, as_json: bool
) -> None:
    _django()
    from ecredit.ratings import training

    day = _day(as_of, "--as-of")
    try:
        report = training.validate_on_history(version, day, output=output)
    except (training.TrainingError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    _print_report(f"{report['version']} on history known at {day}", report["metrics"])
    if output:
        click.echo(f"plots and report.json written to {output}")


@model.command()
@click.argument("evaluation_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def reproduce(evaluation_id: int, as_json: bool) -> None:
    """Recompute a stored evaluation from the records known on its date and its model version,
    and compare features, probability and score bit for bit. Exit status 1 if anything differs."""
    _django()
    from ecredit.ratings.actions import reproduce as redo
    from ecredit.ratings.models import Evaluation

    ev = (
        Evaluation.objects.select_related("run", "enterprise", "model_version")
        .filter(pk=evaluation_id)
        .first()
    )
    if ev is None:
        _fail(f"no evaluation #{evaluation_id}")
    try:
        result = redo(ev)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(
            f"evaluation #{ev.pk} of {ev.enterprise.subject_id} as of {ev.as_of} with "
            f"{ev.model_version.version if ev.model_version else ev.system_version}"
        )
        for check in result["checks"]:
            mark = "same" if check["same"] else "DIFFERENT"
            click.echo(f"  {check['what']}: {mark} (stored {check['stored']}, now {check['now']})")
        click.echo("reproduced exactly" if result["same"] else "NOT reproduced")
    sys.exit(0 if result["same"] else 1)
