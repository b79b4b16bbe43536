"""`ecredit model`: validate model families on any labelled CSV (train and list are coming)."""

from __future__ import annotations

import json
import sys
from typing import NoReturn

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
    """Model families: validate them on a labelled CSV file.

    \b
    ecredit model validate --csv FILE --target COLUMN   cross-validate every family
    ecredit model train    (coming) train on the platform's own history
    ecredit model list     (coming) the registry of trained models
    """


@model.command()
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="A UTF-8 CSV file with a header row; blank cells are missing values.",
)
@click.option("--target", required=True, help="The column holding the outcome.")
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
@click.option("--json", "as_json", is_flag=True, help="One JSON line per family, nothing else.")
def validate(
    csv_path: str,
    target: str,
    positive: str | None,
    folds: int,
    repeats: int,
    families: str,
    seed: int,
    categorical: str | None,
    drop: str | None,
    as_json: bool,
) -> None:
    """Repeated stratified K-fold cross-validation of model families on a labelled CSV.

    Every fit (binning, imputation, encoding, the model) sees only the training fold. Prints
    mean and standard deviation of AUC and KS on the held-out folds, per family.
    """
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


@model.command()
def train() -> None:
    """(coming) Train a model family on the platform's own history with a time-based split."""
    _fail("`ecredit model train` is coming; for now use `ecredit model validate --csv`", code=1)


@model.command(name="list")
def list_models() -> None:
    """(coming) List trained models in the registry: version, family, metrics, champion."""
    _fail("`ecredit model list` is coming", code=1)
