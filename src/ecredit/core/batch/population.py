"""Snapshot rows of a synthetic population, without the database (tests, demos, checks).

Each row is validated by the dictionary as ingestion would, attached to its enterprise as
subject resolution would (a store to the enterprise that runs it) and numbered as storage would:
record ids in order of arrival, a new version per natural key when its values change, and an
identical resend dropped as a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecredit.core.batch.snapshot import SnapshotRow
from ecredit.core.dictionary import Dictionary, load_dictionary
from ecredit.core.synth import Population


def population_rows(
    population: Population, dictionary: Dictionary | None = None
) -> list[tuple[str, SnapshotRow]]:
    """(type name, row) for every record version the population's batches deliver."""
    dictionary = dictionary or load_dictionary()
    owner: dict[str, str] = {}
    for enterprise in population.enterprises:
        owner[enterprise.subject_id] = enterprise.subject_id
        for store in enterprise.stores:
            owner[store] = enterprise.subject_id
    latest: dict[tuple[str, str, str], tuple[int, Mapping[str, object]]] = {}
    out: list[tuple[str, SnapshotRow]] = []
    batches = sorted(population.batches, key=lambda b: b.received_on)  # stable: sent order kept
    for batch in batches:
        rt = dictionary.record_type(batch.type_name)
        for raw in batch.rows:
            checked = rt.validate(raw, today=batch.received_on)
            if not checked.ok:
                raise ValueError(f"{batch.type_name}: {checked.errors[0]}")
            values = checked.values
            key = rt.natural_key_of(values)
            seen = latest.get((batch.type_name, batch.provider, key))
            if seen is not None and seen[1] == values:
                continue  # the same values again: a duplicate, not a version
            version = 1 if seen is None else seen[0] + 1
            latest[(batch.type_name, batch.provider, key)] = (version, values)
            out.append(
                (
                    batch.type_name,
                    SnapshotRow(
                        record_id=len(out) + 1,
                        enterprise_key=owner.get(
                            str(values["subject_id"]), str(values["subject_id"])
                        ),
                        provider=batch.provider,
                        natural_key=key,
                        version=version,
                        occurred_on=rt.occurred_on(values),
                        received_on=batch.received_on,
                        values=values,
                    ),
                )
            )
    return out
