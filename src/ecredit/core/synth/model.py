"""What a synthetic population is: enterprises with a hidden risk, and the batches providers send."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from ecredit.core.synth.fields import HEADERS

Channel = Literal["file", "api"]
FILE_FORMATS = ("csv", "xlsx", "jsonl", "parquet")


@dataclass(frozen=True)
class DemoBatch:
    """What one provider sent at once: rows of one record type, CSV-ready strings keyed by header."""

    provider: str
    type_name: str
    rows: list[dict[str, str]]
    channel: Channel
    received_on: date


@dataclass(slots=True)
class SynthEnterprise:
    """One synthetic party and the truth behind its records; `risk` is hidden from every record.

    `subject_id` is how records name it (a bare USCC, ``lei:…`` or ``foreign:…``); `uscc` is "" for
    a foreign party. `registered` says whether market regulation sends a registration for it: not
    for foreign sellers, nor for a handful of Chinese parties (all of these enter the system as
    provisional enterprises). `platform` is the demo platform it operates ("xishi", "dongfang",
    "zhibo") or "". The details are those of the first registration (later changes travel only as
    records); `established_on` of a foreign party is made up and never sent.
    """

    subject_id: str
    uscc: str
    name: str
    name_en: str
    region_code: str
    city: str
    entity_type: str
    roles: tuple[str, ...]
    legal_representative: str
    address: str
    phone: str
    established_on: date
    stores: list[str] = field(default_factory=list)
    risk: float = 0.0
    registered: bool = True
    platform: str = ""
    country: str = "CN"


def is_serious_event(type_name: str, row: dict[str, str]) -> bool:
    """Whether a row is one of the serious events a model should learn to predict.

    Serious-dishonesty listing, a serious administrative penalty (which includes every licence
    revocation), and enforcement against a dishonest debtor.
    """
    if type_name == "serious_dishonesty_listing":
        return True
    if type_name == "administrative_penalty":
        return row["severity"] == "serious"
    if type_name == "enforcement_record":
        return row["dishonest"] == "true"
    return False


@dataclass
class Population:
    """A seeded synthetic population: enterprises and every batch their records arrive in."""

    enterprises: list[SynthEnterprise]
    batches: list[DemoBatch]
    seed: int
    start: date
    end: date

    def summary(self) -> dict[str, int]:
        """Rows per record type (every type present, in dictionary order)."""
        counts: Counter[str] = Counter()
        for batch in self.batches:
            counts[batch.type_name] += len(batch.rows)
        return {name: counts[name] for name in HEADERS}

    @property
    def total_records(self) -> int:
        return sum(len(batch.rows) for batch in self.batches)

    def write_files(self, out_dir: Path) -> list[tuple[Path, DemoBatch]]:
        """Write every "file" batch to `out_dir`, rotating CSV, XLSX, JSON Lines and Parquet."""
        from ecredit.core.ingest import write_rows

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written: list[tuple[Path, DemoBatch]] = []
        for batch in self.batches:
            if batch.channel != "file":
                continue
            fmt = FILE_FORMATS[len(written) % len(FILE_FORMATS)]
            name = f"{len(written):04d}_{batch.received_on:%Y%m%d}_{batch.provider}_{batch.type_name}.{fmt}"
            path = write_rows(out_dir / name, fmt, HEADERS[batch.type_name], batch.rows)
            written.append((path, batch))
        return written
