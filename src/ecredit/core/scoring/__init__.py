"""Credit evaluation: point-in-time features, indicator systems as data, scores, grades, reasons.

See CONTRACT.md for what the ratings app relies on.
"""

from ecredit.core.scoring.evaluation import (
    Contribution,
    EvaluationResult,
    Veto,
    evaluate,
    top_reasons,
)
from ecredit.core.scoring.features import FEATURE_KEYS, FEATURES, FeatureSpec, compute_features
from ecredit.core.scoring.records import RecordView, RelatedParty
from ecredit.core.scoring.system import (
    GRADES,
    RISK_CLASS_LABELS,
    RISK_CLASSES,
    Dimension,
    GradeBand,
    Indicator,
    IndicatorSystem,
    IndicatorSystemError,
    VetoRule,
    available_systems,
    load_indicator_system,
)

__all__ = [
    "FEATURES",
    "FEATURE_KEYS",
    "GRADES",
    "RISK_CLASSES",
    "RISK_CLASS_LABELS",
    "Contribution",
    "Dimension",
    "EvaluationResult",
    "FeatureSpec",
    "GradeBand",
    "Indicator",
    "IndicatorSystem",
    "IndicatorSystemError",
    "RecordView",
    "RelatedParty",
    "Veto",
    "VetoRule",
    "available_systems",
    "compute_features",
    "evaluate",
    "load_indicator_system",
    "top_reasons",
]
