"""Test data builders shared by app tests and end-to-end tests."""

from __future__ import annotations

from ecredit.core.identifiers import make_uscc


def uscc(n: int, region: str = "330106", prefix: str = "91") -> str:
    """The n-th valid test USCC."""
    return make_uscc(prefix[0], prefix[1], region, f"{n:08d}")


def registration_row(sid: str, name: str, **changes: str) -> dict[str, str]:
    """A valid registration record for `sid`, as a provider would send it."""
    return {
        "subject_id": sid,
        "name": name,
        "entity_type": "company",
        "legal_representative": "王五",
        "established_on": "2018-03-01",
        "status": "active",
        **changes,
    }


def register(actor, tmp_path, sid: str, name: str, received_on=None, **changes: str) -> str:  # type: ignore[no-untyped-def]
    """Import a registration for `sid` through the file path; returns `sid`."""
    from ecredit.core.ingest import write_rows
    from ecredit.records.imports import import_file

    row = registration_row(sid, name, **changes)
    import_file(
        actor,
        write_rows(tmp_path / f"registration-{sid}.csv", "csv", list(row), [row]),
        type_name="registration",
        provider="market-regulation",
        received_on=received_on,
    )
    return sid
