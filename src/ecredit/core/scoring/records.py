"""What the scoring engine reads: one version of a credit record, and a related party."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

RELATIONS = ("legal_representative", "address", "phone")


@dataclass(frozen=True)
class RecordView:
    """One version of a record as the dictionary normalised it, with the two times that matter.

    `occurred_on` is when the fact happened, `received_on` when we learnt it. Pass every stored
    version of a record: the engine keeps, per natural key, the latest version received on or
    before the evaluation date.
    """

    type: str
    occurred_on: date
    received_on: date
    values: Mapping[str, Any]
    public: bool = True


@dataclass(frozen=True)
class RelatedParty:
    """Another subject linked to the evaluated one, with its credit standing as of the evaluation date."""

    relation: str  # "legal_representative" | "address" | "phone"
    subject_id: str
    serious_dishonesty: bool
    grade: str | None
