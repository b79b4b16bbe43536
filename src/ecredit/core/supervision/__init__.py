"""Differentiated supervision: inspection rules as data, and verifiable "double random" draws.

`draw` holds the selection and assignment rule, `rules` the ratios and must-inspect rules,
`verify` the offline check of a published plan. Pure Python: no Django.
"""

from ecredit.core.supervision.draw import (
    CLASSES,
    PER_INSPECTION,
    SEED_BYTES,
    Draw,
    DrawError,
    Member,
    assign,
    check_pool,
    check_ratios,
    commitment,
    draw,
    inspector_order,
    population_hash,
    population_json,
    u_value,
)
from ecredit.core.supervision.rules import (
    InspectionRules,
    MustInspectRule,
    RulesError,
    load_rules,
)
from ecredit.core.supervision.verify import Check, holds, verify_plan

__all__ = [
    "CLASSES",
    "PER_INSPECTION",
    "SEED_BYTES",
    "Check",
    "Draw",
    "DrawError",
    "InspectionRules",
    "Member",
    "MustInspectRule",
    "RulesError",
    "assign",
    "check_pool",
    "check_ratios",
    "commitment",
    "draw",
    "holds",
    "inspector_order",
    "load_rules",
    "population_hash",
    "population_json",
    "u_value",
    "verify_plan",
]
