"""Lists, due process, objections and credit repair as rules: list types and procedure as data,
the states an entry moves through, deadlines, and the repair conditions a record can show.

Pure Python: the `lists` app stores and decides; this package only says what is allowed.
"""

from ecredit.core.lists.listtypes import (
    ListType,
    ListTypeError,
    Procedure,
    load_list_types,
    load_procedure,
)
from ecredit.core.lists.workflow import (
    ACTIONS,
    OPEN_STATES,
    STATES,
    IllegalTransition,
    next_state,
)

__all__ = [
    "ACTIONS",
    "OPEN_STATES",
    "STATES",
    "IllegalTransition",
    "ListType",
    "ListTypeError",
    "Procedure",
    "load_list_types",
    "load_procedure",
    "next_state",
]
