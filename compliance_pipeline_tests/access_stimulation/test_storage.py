"""The blocking check's SQL: which of a day's studies are bad, counted from the aggregates' one read
of the day, each kind listed and capped."""

from datetime import date, timedelta

from compliance_pipeline.access_stimulation import storage, sums
from compliance_pipeline_tests.access_stimulation.helpers import add_profiles, add_studies, at

DAY = date(2026, 3, 15)
BAD_DAY = [
    (1, at(DAY, 1), -5, 10),        # negative
    (1, at(DAY, 2), None, None),     # NULL minutes are not negative
    (2, at(DAY, 3), 10, -1),         # negative, inactive profile still exists
    (77, at(DAY, 4), 10, 10),        # unknown profile
    (88, at(DAY, 5), -1, 10),        # both: listed under each
    (99, at(DAY - timedelta(days=1), 5), -9, 10),  # another day: not this partition's
    (1, at(DAY, 6), 100, 10),
]


def test_bad_study_rows_lists_each_kind_from_one_read_of_the_day(warehouse):
    add_profiles(warehouse, [(1, True), (2, False)])
    add_studies(warehouse, BAD_DAY)
    with warehouse.connect() as conn:
        bad = storage.bad_study_rows(conn, DAY)
    assert [(r["profile_id"], r["retail_minutes"], r["wholesale_minutes"]) for r in bad["negative_minutes"]] == [
        (1, -5, 10), (2, 10, -1), (88, -1, 10)]
    assert [r["profile_id"] for r in bad["unknown_profile"]] == [77, 88]
    assert set(bad["unknown_profile"][0]) == {"id", "profile_id", "generated_at"}
    assert bad["unknown_profile"][0]["generated_at"] == at(DAY, 4)
    assert bad["negative_window_sums"] == []


def test_bad_study_rows_caps_each_kind_at_the_limit(warehouse):
    add_profiles(warehouse, [(1, True)])
    add_studies(warehouse, [(1, at(DAY, h), -1, 1) for h in range(5)] + [(50 + h, at(DAY, h), 1, 1) for h in range(5)])
    with warehouse.connect() as conn:
        bad = storage.bad_study_rows(conn, DAY, limit=3)
    assert len(bad["negative_minutes"]) == 3 and len(bad["unknown_profile"]) == 3
    assert [r["id"] for r in bad["negative_minutes"]] == sorted(r["id"] for r in bad["negative_minutes"])


def test_refreshing_a_partition_counts_the_bad_studies_it_read(warehouse):
    """The aggregates step counts what the check would list, from its one read of the day."""
    add_profiles(warehouse, [(1, True), (2, False)])
    add_studies(warehouse, BAD_DAY)
    with warehouse.transaction() as conn:
        refresh = sums.refresh_partition_aggregates(conn, DAY)
    assert refresh == sums.PartitionRefresh(profiles=1, negative_studies=3, unknown_profile_studies=2)
    with warehouse.transaction() as conn:  # its scratch table is dropped: again on one connection
        assert sums.refresh_partition_aggregates(conn, DAY) == refresh
        assert sums.refresh_partition_aggregates(conn, DAY) == refresh


def test_history_column_kinds_are_the_declared_column_types():
    """storage keeps Dagster out of its imports, so it spells the history's column kinds itself:
    they must stay the declared table's (a changed type would otherwise be cast silently on one
    backend and ignored on the other)."""
    from compliance_pipeline.access_stimulation.tables import EVALUATIONS

    assert storage._EVALUATION_KINDS == {c.name: c.type.lower() for c in EVALUATIONS.columns}
