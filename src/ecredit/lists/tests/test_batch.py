"""The batch pipeline leaves withdrawn record versions out, as `records_known_on` does."""

from __future__ import annotations

import pytest

from ecredit.core.batch import run_features
from ecredit.lists import actions
from ecredit.ratings.snapshot import refresh_snapshot, snapshot_features
from ecredit.ratings.tests.test_snapshot import by_key, mismatches, reference

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
]


def test_withdrawn_records_do_not_count_in_batch_features(town, tmp_path):
    directory = tmp_path / "snapshot"
    obj = actions.file_objection(town.merchant, record=town.recent, reason="annulled")
    actions.answer_objection(town.regulator, obj, uphold=True, answer="annulled", regrade=False)
    refresh_snapshot(directory)
    got = by_key(snapshot_features(town.today, "duckdb", directory))
    expected = reference(town.today)
    assert mismatches(got, expected) == []
    counted = by_key(run_features(directory, town.today, "duckdb"))  # without the withdrawals
    feature, sid = "penalties_general_24m", town.a.subject_id
    assert counted[sid][feature] == got[sid][feature] + 1 == expected[sid][feature] + 1
