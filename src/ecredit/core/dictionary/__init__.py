"""The unified data dictionary: record types and providers as versioned data files, and validation.

See CONTRACT.md for what the apps rely on and docs/data-dictionary.md for the types themselves.
"""

from ecredit.core.dictionary.errors import DictionaryError
from ecredit.core.dictionary.fields import FIELD_TYPES, Code, Condition, Field, FieldError
from ecredit.core.dictionary.loader import DEFAULT_PATH, Dictionary, load_dictionary
from ecredit.core.dictionary.obligations import FREQUENCIES, Obligation, Provider
from ecredit.core.dictionary.publicity import Publicity, PublicityPeriod
from ecredit.core.dictionary.record_type import (
    CATEGORIES,
    DISCLOSURE_LEVELS,
    RecordType,
    ValidatedRow,
)
from ecredit.core.dictionary.schema import export_json_schemas

__all__ = [
    "CATEGORIES",
    "DEFAULT_PATH",
    "DISCLOSURE_LEVELS",
    "FIELD_TYPES",
    "FREQUENCIES",
    "Code",
    "Condition",
    "Dictionary",
    "DictionaryError",
    "Field",
    "FieldError",
    "Obligation",
    "Provider",
    "Publicity",
    "PublicityPeriod",
    "RecordType",
    "ValidatedRow",
    "export_json_schemas",
    "load_dictionary",
]
