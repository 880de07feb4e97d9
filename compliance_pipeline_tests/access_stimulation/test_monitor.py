"""Evaluation against real tables (DuckDB and PostgreSQL): windows, cooldown, history, idempotency."""

import json
from datetime import date, timedelta

import pytest

from compliance_pipeline import outbox
from compliance_pipeline.access_stimulation import core, monitor, sums
from compliance_pipeline.outbox import topics
from compliance_pipeline_tests.access_stimulation.helpers import add_profiles, add_studies, at, history, table_snapshot

DAY = date(2026, 3, 15)
AS_OF = core.as_of_for_partition(DAY)  # 2026-03-16 00:00 UTC
START = core.window_start(AS_OF)  # 2025-09-16 00:00 UTC


def reasons(result) -> dict[int, str]:
    return {ev.profile_id: ev.reason for ev in result.evaluations}


def test_window_edges_nulls_and_inactive_profiles(warehouse):
    add_profiles(warehouse, [(1, True), (2, True), (3, False), (4, True)])
    add_studies(warehouse, [
        (1, START, 4000, 1000),                          # exactly at the window start: in
        (1, AS_OF, 1_000_000, 0),                        # exactly at as_of: out
        (1, START - timedelta(microseconds=1), 0, 9_999),  # just before the start: out
        (2, at(DAY), None, 1000), (2, at(DAY), 3500, None), (2, at(DAY), 100, 100),  # NULL counts as 0
        (3, at(DAY), 9000, 1000),                        # inactive: not evaluated
    ])
    result = monitor.run(warehouse, as_of=AS_OF, dry_run=True)
    assert reasons(result) == {1: core.FLAGGED, 2: core.FLAGGED, 4: core.NO_ORIG_TRAFFIC}
    by_id = {s["profile_id"]: s for s in result.summaries}
    assert by_id[1]["evidence"]["term_minutes"] == 4000 and by_id[1]["evidence"]["orig_minutes"] == 1000
    assert (by_id[2]["evidence"]["term_minutes"], by_id[2]["evidence"]["orig_minutes"]) == (3600, 1100)
    assert by_id[4] == {"profile_id": 4, "flagged": False, "reason": "no_orig_traffic",
                        "term_minutes": 0, "orig_minutes": 0}
    months = by_id[1]["evidence"]["months"]
    assert months[0] == {"month": "2025-09", "term_minutes": 4000, "orig_minutes": 1000, "ratio": 4.0}
    assert [m["month"] for m in months][-1] == "2026-03" and len(months) == 7


def test_flag_stamps_records_history_and_queues_one_todo(warehouse):
    add_profiles(warehouse, [(1, True), (2, True), (3, True, AS_OF - timedelta(days=29))])
    add_studies(warehouse, [(1, at(DAY), 3001, 1000), (2, at(DAY), 3000, 1000), (3, at(DAY), 5000, 1000)])
    result = monitor.run(warehouse, as_of=AS_OF)
    assert reasons(result) == {1: core.FLAGGED, 2: core.BELOW_THRESHOLD, 3: core.COOLDOWN}
    assert result.as_json()["flagged"] == 1 and result.written == {
        "history_rows": 3, "stamped": 1, "todos_enqueued": 1}
    with warehouse.connect() as conn:
        stamp, evidence = conn.query("SELECT access_stim_flagged_at, access_stim_evidence_json"
                                     " FROM cdr_ingestion_profiles WHERE id = 1")[0]
        assert stamp == AS_OF and json.loads(evidence)["ratio"] == 3.001
        assert [(h["profile_id"], h["reason"]) for h in history(conn)] == [
            (1, "flagged"), (2, "below_threshold"), (3, "cooldown")]
        (todo,) = outbox.list_messages(conn, topics.ERPNEXT_TODO)
    assert todo.status == "pending" and "profile_id=1" in todo.payload["description"]


def test_rerun_changes_nothing_and_dry_run_writes_nothing(warehouse):
    add_profiles(warehouse, [(1, True), (2, True)])
    add_studies(warehouse, [(1, at(DAY), 9000, 1000), (2, at(DAY), 100, 1000)])
    before = table_snapshot(warehouse)
    dry = monitor.run(warehouse, as_of=AS_OF, dry_run=True)
    assert dry.as_json()["dry_flagged"] == 1 and dry.as_json()["flagged"] == 0
    assert table_snapshot(warehouse) == before
    monitor.run(warehouse, as_of=AS_OF)
    once = table_snapshot(warehouse)
    again = monitor.run(warehouse, as_of=AS_OF)
    assert reasons(again)[1] == core.FLAGGED and again.written["stamped"] == 0
    assert again.written["todos_enqueued"] == 0 and table_snapshot(warehouse) == once


def test_cooldown_across_days_29_then_30(warehouse):
    add_profiles(warehouse, [(1, True)])
    add_studies(warehouse, [(1, at(DAY - timedelta(days=40)), 9000, 1000)])
    first = AS_OF - timedelta(days=30)
    assert reasons(monitor.run(warehouse, as_of=first))[1] == core.FLAGGED
    assert reasons(monitor.run(warehouse, as_of=first + timedelta(days=29)))[1] == core.COOLDOWN
    assert reasons(monitor.run(warehouse, as_of=first + timedelta(days=30)))[1] == core.FLAGGED
    # Re-running the middle day later still sees only the flag before it: cooldown again.
    assert reasons(monitor.run(warehouse, as_of=first + timedelta(days=29)))[1] == core.COOLDOWN
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT access_stim_flagged_at FROM cdr_ingestion_profiles") == AS_OF
        assert len(outbox.list_messages(conn, topics.ERPNEXT_TODO)) == 2


def _partition_run(warehouse, day):
    with warehouse.transaction() as conn:
        sums.refresh_partition_aggregates(conn, day)
    return monitor.run(warehouse, as_of=core.as_of_for_partition(day), partition_day=day)


def _history(warehouse):
    snapshot = table_snapshot(warehouse)
    return snapshot["profiles"], snapshot["evaluations"], [r[:3] for r in snapshot["outbox"]]


def _clear_outputs(warehouse, stamps):
    with warehouse.transaction() as conn:
        for table in ("access_stim_aggregates", "access_stim_evaluations", "outbox"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("UPDATE cdr_ingestion_profiles SET access_stim_flagged_at = NULL,"
                     " access_stim_evidence_json = NULL")
        for pid, stamp in stamps:
            conn.execute("UPDATE cdr_ingestion_profiles SET access_stim_flagged_at = ? WHERE id = ?", (stamp, pid))


@pytest.mark.slow
def test_sixty_day_backfill_equals_sixty_sequential_daily_runs(warehouse):
    """Partition path (running sums + stored aggregates) vs the seed's way (one GROUP BY at each as_of)."""
    import random

    rng = random.Random(5)
    last = DAY
    first = last - timedelta(days=59)
    stamps = [(3, core.as_of_for_partition(first) - timedelta(days=12))]
    add_profiles(warehouse, [(1, True), (2, True), (3, True), (4, True), (5, False)])
    add_studies(warehouse, [
        (pid, at(last - timedelta(days=d), rng.randrange(24)), rng.choice([None, rng.randrange(0, 4000)]),
         rng.choice([None, 0, rng.randrange(0, 1500)]))
        for d in range(250) for pid in (1, 2, 3, 4, 5) if rng.random() < 0.7])
    _clear_outputs(warehouse, stamps)
    days = [first + timedelta(days=i) for i in range(60)]
    for day in days:
        monitor.run(warehouse, as_of=core.as_of_for_partition(day))
    sequential = _history(warehouse)
    _clear_outputs(warehouse, stamps)
    for day in days:
        _partition_run(warehouse, day)
        with warehouse.connect() as conn:
            as_of = core.as_of_for_partition(day)
            assert sums.partition_totals(conn, day) == sums.window_totals_from_studies(
                conn, core.window_start(as_of), as_of)
    backfilled = _history(warehouse)
    assert backfilled == sequential
    assert {r[2] for r in sequential[1]} >= {core.FLAGGED, core.COOLDOWN, core.BELOW_THRESHOLD}


def test_days_run_out_of_order_flag_once_per_cooldown(warehouse):
    """A backfill (or two calls at once) may finish a later day first: an earlier day less
    than cooldown_days before that flag is in cooldown, so one ToDo per cooldown either way."""
    add_profiles(warehouse, [(1, True)])
    add_studies(warehouse, [(1, at(DAY - timedelta(days=60)), 9000, 1000)])
    later = AS_OF
    assert reasons(monitor.run(warehouse, as_of=later))[1] == core.FLAGGED
    earlier = monitor.run(warehouse, as_of=later - timedelta(days=29))
    assert reasons(earlier)[1] == core.COOLDOWN and earlier.evaluations[0].last_flagged_at == later
    assert reasons(monitor.run(warehouse, as_of=later - timedelta(days=30)))[1] == core.FLAGGED
    # Re-running the flagged day itself still flags it (its own flag does not count).
    assert reasons(monitor.run(warehouse, as_of=later))[1] == core.FLAGGED
    with warehouse.connect() as conn:
        keys = [m.message_key for m in outbox.list_messages(conn, topics.ERPNEXT_TODO)]
        assert conn.scalar("SELECT access_stim_flagged_at FROM cdr_ingestion_profiles") == later
    assert keys == [core.todo_key(1, later), core.todo_key(1, later - timedelta(days=30))]
