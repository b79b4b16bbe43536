"""The synthetic population: deterministic, valid against the dictionary, and risk-driven."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from stdnum import lei

from ecredit.core.dictionary import load_dictionary
from ecredit.core.identifiers import is_valid_uscc, parse_subject_id
from ecredit.core.ingest import open_rows
from ecredit.core.synth import DemoBatch, Population, generate, is_serious_event
from ecredit.core.synth.fields import HEADERS

END = date(2026, 11, 30)
# Adverse but not serious: what a model may see before the serious event it should predict.
_ADVERSE = (
    "administrative_penalty",
    "abnormal_operation",
    "court_judgment",
    "product_quality_inspection",
)
# Types whose records normally arrive within weeks of the fact.
_PROMPT = (
    "administrative_penalty",
    "abnormal_operation",
    "court_judgment",
    "enforcement_record",
    "serious_dishonesty_listing",
    "customs_declaration_summary",
)
_SERIOUS_ON = {
    "serious_dishonesty_listing": "listed_on",
    "administrative_penalty": "decision_date",
    "enforcement_record": "filed_on",
}


@pytest.fixture(scope="module")
def small() -> Population:
    return generate(enterprises=300, months=12, seed=1)


@pytest.fixture(scope="module")
def medium() -> Population:
    return generate(enterprises=1500, months=24, seed=7)


def _rows(pop: Population, type_name: str) -> list[tuple[DemoBatch, dict[str, str]]]:
    return [(b, r) for b in pop.batches if b.type_name == type_name for r in b.rows]


def _owner(pop: Population) -> dict[str, str]:
    """Store subject id -> operating enterprise, and every enterprise to itself."""
    owners = {e.subject_id: e.subject_id for e in pop.enterprises}
    owners.update({s: e.subject_id for e in pop.enterprises for s in e.stores})
    return owners


# determinism ---------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_population(small: Population) -> None:
    again = generate(enterprises=300, months=12, seed=1)

    assert again.batches == small.batches
    assert again.enterprises == small.enterprises


def test_another_seed_gives_another_population(small: Population) -> None:
    other = generate(enterprises=300, months=12, seed=2)

    assert [e.subject_id for e in other.enterprises] != [e.subject_id for e in small.enterprises]
    assert other.batches != small.batches


def test_the_timeline_is_the_months_before_the_end(small: Population) -> None:
    assert small.start == date(2025, 12, 1)
    assert small.end == END
    assert all(small.start < b.received_on <= END for b in small.batches)
    assert [b.received_on for b in small.batches] == sorted(b.received_on for b in small.batches)


# identities ----------------------------------------------------------------------------------
def test_every_uscc_is_valid_and_every_subject_id_parses(medium: Population) -> None:
    usccs = [e.uscc for e in medium.enterprises if e.uscc]
    assert all(is_valid_uscc(code) for code in usccs)
    assert len(set(usccs)) == len(usccs)
    for e in medium.enterprises:
        assert str(parse_subject_id(e.subject_id)) == e.subject_id
        if e.subject_id.startswith("lei:"):
            assert lei.is_valid(e.subject_id.removeprefix("lei:"))
    subjects = {r["subject_id"] for b in medium.batches for r in b.rows}
    assert all(str(parse_subject_id(s)) == s for s in subjects)


def test_the_population_has_every_kind_of_party(medium: Population) -> None:
    kinds = Counter(
        e.subject_id.split(":")[1] if ":" in e.subject_id else e.subject_id[:1] + e.subject_id[1]
        for e in medium.enterprises
    )
    assert kinds["91"] > kinds["92"] > kinds["93"] > 0
    assert kinds["N1"] + kinds["N2"] + kinds["N3"] > 0
    assert kinds["Y1"] > 0
    assert sum(1 for e in medium.enterprises if e.subject_id.startswith("lei:")) >= 2
    foreign = {e.country for e in medium.enterprises if e.subject_id.startswith("foreign:")}
    assert {"US", "DE"} <= foreign
    regions = {e.region_code[:4] for e in medium.enterprises if e.region_code}
    assert regions == {"3301", "3302", "4403", "4401", "3702"}
    assert {e.platform for e in medium.enterprises} == {"", "xishi", "dongfang", "zhibo"}
    roles = {role for e in medium.enterprises for role in e.roles}
    assert {
        "platform_operator",
        "merchant",
        "livestream_seller",
        "mcn",
        "cross_border",
        "logistics",
    } <= roles


def test_linked_parties_share_details_and_are_riskier(medium: Population) -> None:
    linked: set[str] = set()
    for detail in ("address", "phone", "legal_representative"):
        groups: dict[str, list[str]] = defaultdict(list)
        for e in medium.enterprises:
            groups[getattr(e, detail)].append(e.subject_id)
        shared = [members for members in groups.values() if len(members) > 1]
        assert len(shared) >= 5, detail
        if detail != "legal_representative":  # common names repeat by chance
            linked.update(s for members in shared for s in members)
    risk_linked = [e.risk for e in medium.enterprises if e.subject_id in linked]
    risk_other = [e.risk for e in medium.enterprises if e.subject_id not in linked]
    assert sum(risk_linked) / len(risk_linked) > 1.4 * sum(risk_other) / len(risk_other)


# counts --------------------------------------------------------------------------------------
def test_summary_counts_rows_of_every_type(small: Population) -> None:
    summary = small.summary()

    assert list(summary) == list(HEADERS)
    assert sum(summary.values()) == small.total_records == sum(len(b.rows) for b in small.batches)


def test_counts_per_type_are_in_range(medium: Population) -> None:
    n = len(medium.enterprises)
    expected = {  # rows per enterprise over 24 months
        "registration": (1.0, 1.2),
        "administrative_license": (0.2, 0.6),
        "administrative_penalty": (0.08, 0.25),
        "abnormal_operation": (0.05, 0.2),
        "serious_dishonesty_listing": (0.01, 0.06),
        "court_judgment": (0.12, 0.35),
        "enforcement_record": (0.03, 0.12),
        "tax_credit_rating": (1.2, 2.2),
        "customs_credit_rating": (0.05, 0.15),
        "customs_declaration_summary": (1.2, 2.6),
        "store_metrics": (15.0, 30.0),
        "consumer_complaint": (4.0, 12.0),
        "product_quality_inspection": (0.15, 0.4),
        "honor_or_reward": (0.07, 0.25),
        "credit_commitment": (0.07, 0.25),
        "inspection_result": (0.0, 0.0),  # written by the demo's inspection plan, not generated
    }
    for type_name, count in medium.summary().items():
        lo, hi = expected[type_name]
        assert lo * n <= count <= hi * n, (type_name, count)


@pytest.mark.slow
def test_the_default_population_has_150k_to_300k_records() -> None:
    pop = generate()

    assert len(pop.enterprises) == 5000
    assert 150_000 <= pop.total_records <= 300_000
    assert pop.summary()["store_metrics"] > pop.total_records / 2


# behaviour -----------------------------------------------------------------------------------
def test_risk_drives_serious_events(medium: Population) -> None:
    owner = _owner(medium)
    hit = {
        owner[r["subject_id"]]
        for b in medium.batches
        for r in b.rows
        if is_serious_event(b.type_name, r)
    }
    ranked = sorted(medium.enterprises, key=lambda e: e.risk)
    decile = len(ranked) // 10
    bottom = sum(e.subject_id in hit for e in ranked[:decile]) / decile
    top = sum(e.subject_id in hit for e in ranked[-decile:]) / decile

    assert top >= 0.15
    assert top >= 5 * max(bottom, 0.01)


def test_risk_shows_in_store_metrics_and_complaints(medium: Population) -> None:
    risk = {e.subject_id: e.risk for e in medium.enterprises}
    low: list[float] = []
    high: list[float] = []
    for _, row in _rows(medium, "store_metrics"):
        if row["order_defect_rate"]:
            (high if risk[row["operator_id"]] > 0.5 else low).append(
                float(row["order_defect_rate"])
            )
    assert sum(high) / len(high) > 3 * sum(low) / len(low)
    ratings = Counter(r["rating"] for _, r in _rows(medium, "tax_credit_rating"))
    assert set(ratings) == {"A", "B", "M", "C", "D"}


def test_past_adverse_events_predict_serious_events_a_year_later(medium: Population) -> None:
    owner = _owner(medium)
    cut = date(2025, 11, 30)
    before: set[str] = set()  # adverse records received in the first year
    after: set[str] = set()  # serious events in the second
    for b in medium.batches:
        for r in b.rows:
            subject = owner[r["subject_id"]]
            if is_serious_event(b.type_name, r):
                if date.fromisoformat(r[_SERIOUS_ON[b.type_name]]) > cut:
                    after.add(subject)
            elif (
                b.type_name in _ADVERSE
                and b.received_on <= cut
                and r.get("result") != "pass"
                and r.get("outcome") not in ("won", "settled", "other")
            ):
                before.add(subject)
    flagged = [e.subject_id in after for e in medium.enterprises if e.subject_id in before]
    clean = [e.subject_id in after for e in medium.enterprises if e.subject_id not in before]

    assert sum(flagged) / len(flagged) > 3 * sum(clean) / len(clean)


# arrival -------------------------------------------------------------------------------------
def test_channels_follow_the_provider(small: Population) -> None:
    for b in small.batches:
        platform = b.provider.startswith("platform-")
        assert b.channel == ("api" if platform else "file")
        if platform:
            assert b.type_name in ("store_metrics", "consumer_complaint")


def test_store_metrics_name_the_operator_of_the_store(medium: Population) -> None:
    stores = {s: e.subject_id for e in medium.enterprises for s in e.stores}
    for b, r in _rows(medium, "store_metrics"):
        assert stores[r["subject_id"]] == r["operator_id"]
        assert b.provider == "platform-" + r["subject_id"].split(":")[1]


def test_some_records_are_corrected_or_arrive_late(medium: Population) -> None:
    d = load_dictionary()
    first_seen: dict[tuple[str, str], tuple[date, dict[str, str]]] = {}
    resent: Counter[str] = Counter()
    late: Counter[bool] = Counter()
    for b in medium.batches:
        rt = d.record_type(b.type_name)
        for r in b.rows:
            values = rt.validate(r, today=b.received_on).values
            key = (b.type_name, rt.natural_key_of(values))
            if key in first_seen:  # sent again: later, and changed
                earlier_on, earlier = first_seen[key]
                assert earlier_on < b.received_on and earlier != r
                resent[b.type_name] += 1
                continue
            first_seen[key] = (b.received_on, r)
            if b.type_name in _PROMPT:
                late[b.received_on - rt.occurred_on(values) > timedelta(days=60)] += 1

    assert resent["administrative_penalty"] >= 1  # corrected fines
    assert resent["registration"] >= 1  # moves, closures, revocations
    assert resent["enforcement_record"] >= 1  # concluded or terminated
    assert 0.005 < late[True] / late.total() < 0.05


def test_a_few_subjects_have_no_registration(medium: Population) -> None:
    registered = {r["subject_id"] for _, r in _rows(medium, "registration")}
    unregistered = [e for e in medium.enterprises if not e.registered]
    chinese = [e for e in unregistered if e.uscc]

    assert registered == {e.subject_id for e in medium.enterprises if e.registered}
    assert 2 <= len(chinese) <= 0.01 * len(medium.enterprises)
    with_records = {r["subject_id"] for b in medium.batches for r in b.rows} | {
        r["operator_id"] for _, r in _rows(medium, "store_metrics")
    }
    assert any(e.subject_id in with_records for e in chinese)


# the dictionary and the files ----------------------------------------------------------------
def test_every_row_validates_against_the_dictionary(small: Population) -> None:
    d = load_dictionary()
    errors = []
    for b in small.batches:
        assert d.may_submit(b.provider, b.type_name), (b.provider, b.type_name)
        rt = d.record_type(b.type_name)
        assert rt.csv_headers() == list(HEADERS[b.type_name])
        for row in b.rows:
            assert list(row) == rt.csv_headers()
            assert all(isinstance(v, str) for v in row.values())
            errors += [
                (b.type_name, e.field, e.message)
                for e in rt.validate(row, today=b.received_on).errors
            ]

    assert errors == []
    assert set(d.types) == set(HEADERS)


def test_write_files_round_trips_through_the_readers(small: Population, tmp_path: Path) -> None:
    written = small.write_files(tmp_path)

    assert [b for _, b in written] == [b for b in small.batches if b.channel == "file"]
    assert {p.suffix for p, _ in written} == {".csv", ".xlsx", ".jsonl", ".parquet"}
    for path, batch in written:
        with open_rows(path) as reader:
            rows = list(reader)
        assert reader.headers == list(HEADERS[batch.type_name])
        assert [row.error for row in rows] == [None] * len(batch.rows)
        read = [
            {k: "" if v is None else str(v) for k, v in (row.values or {}).items()} for row in rows
        ]
        assert read == batch.rows, path.name
