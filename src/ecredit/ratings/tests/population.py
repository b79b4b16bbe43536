"""A synthetic population loaded through the real ingestion path, for tests of the rating engine."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.core.synth import generate
from ecredit.records.actions import ingest_batch


def received(day: date) -> datetime:
    """Noon of a day, as a backfilled import records it."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))


def load_population(enterprises: int, months: int, seed: int, end: date) -> None:
    """A synthetic population's batches, in order of arrival, through `ingest_batch`."""
    actor = Actor.system("test")
    population = generate(enterprises=enterprises, months=months, seed=seed, end=end)
    batches = sorted(
        population.batches, key=lambda b: (b.received_on, b.type_name != "registration")
    )
    for b in batches:
        for start in range(0, len(b.rows), 10_000):
            report = ingest_batch(
                actor,
                type_name=b.type_name,
                provider=b.provider,
                records=[dict(r) for r in b.rows[start : start + 10_000]],
                channel=b.channel,
                received_at=received(b.received_on),
            )
            assert report.rejected == 0, report.errors
