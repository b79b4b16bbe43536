"""Model families behind one interface, validation metrics, repeated cross-validation, and
labelled tables read from CSV. See CONTRACT.md."""

from ecredit.core.scoring.models.base import ModelFamily, categorical_columns, numeric_columns
from ecredit.core.scoring.models.challengers import (
    GradientBoostingFamily,
    LogisticFamily,
    MLPFamily,
    RandomForestFamily,
)
from ecredit.core.scoring.models.dataset import (
    DatasetError,
    LabelledTable,
    labelled_table,
    load_labelled_csv,
)
from ecredit.core.scoring.models.families import FAMILIES, make_family
from ecredit.core.scoring.models.metrics import (
    CalibrationGroup,
    GradeBadRate,
    auc,
    bad_rate_by_grade,
    brier,
    calibration_table,
    gini,
    ks,
    psi,
)
from ecredit.core.scoring.models.scaling import Scaling
from ecredit.core.scoring.models.scorecard import ScorecardFamily
from ecredit.core.scoring.models.validation import (
    CrossValidation,
    FoldScore,
    cross_validate,
    cross_validate_families,
    fold_indices,
)

__all__ = [
    "FAMILIES",
    "CalibrationGroup",
    "CrossValidation",
    "DatasetError",
    "FoldScore",
    "GradeBadRate",
    "GradientBoostingFamily",
    "LabelledTable",
    "LogisticFamily",
    "MLPFamily",
    "ModelFamily",
    "RandomForestFamily",
    "Scaling",
    "ScorecardFamily",
    "auc",
    "bad_rate_by_grade",
    "brier",
    "calibration_table",
    "categorical_columns",
    "cross_validate",
    "cross_validate_families",
    "fold_indices",
    "gini",
    "ks",
    "labelled_table",
    "load_labelled_csv",
    "make_family",
    "numeric_columns",
    "psi",
]
