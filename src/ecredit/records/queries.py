"""Reads about records and submissions shared by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q

from ecredit.core.dictionary import load_dictionary
from ecredit.records.models import Submission


@dataclass(frozen=True)
class ObligationStatus:
    provider: str
    provider_name_zh: str
    provider_name_en: str
    type_name: str
    frequency: str
    max_lag_days: int
    last_submitted: datetime | None
    due_by: datetime
    overdue: bool


def obligations(now: datetime) -> list[ObligationStatus]:
    """Every provider's duties under the data-sharing responsibility list, and who is overdue.

    A duty counts as met by a finished submission of that type that brought at least one valid row.
    """
    dictionary = load_dictionary()
    last = {
        (r["provider"], r["type_name"]): r["last"]
        for r in Submission.objects.filter(finished_at__isnull=False)
        .filter(Q(stored__gt=0) | Q(duplicates__gt=0) | Q(corrected__gt=0))
        .values("provider", "type_name")
        .annotate(last=Max("received_at"))
    }
    out = []
    for provider in dictionary.providers.values():
        for ob in provider.obligations:
            seen = last.get((provider.key, ob.type_name))
            out.append(
                ObligationStatus(
                    provider=provider.key,
                    provider_name_zh=provider.name_zh,
                    provider_name_en=provider.name_en,
                    type_name=ob.type_name,
                    frequency=ob.frequency,
                    max_lag_days=ob.max_lag_days,
                    last_submitted=seen,
                    due_by=ob.due_by(seen, now),
                    overdue=ob.is_overdue(seen, now),
                )
            )
    return out
