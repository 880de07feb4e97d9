"""A pass reads what arrived since the last one (arrival_id), on both backends."""

from datetime import timedelta

import pytest

from compliance_pipeline.alerts.evaluation import evaluate_pass
from compliance_pipeline.warehouse.schema import init_schema
from compliance_pipeline_tests.alerts.helpers import NOW, T0, add_rule, add_snapshots, events


def _per_rule(report):
    return {r["name"]: (r["readings"], r["late"]) for r in report.per_rule}


def test_a_rule_added_later_reads_its_units_history_once_the_others_only_new_rows(warehouse):
    add_rule(warehouse, name="old", duration_s=0)
    add_snapshots(warehouse, "u1", [60, 75, 60])
    evaluate_pass(warehouse, now=NOW)
    add_rule(warehouse, name="new", duration_s=0, threshold_db=74.0)
    add_snapshots(warehouse, "u1", [61], offset=3)
    assert _per_rule(evaluate_pass(warehouse, now=NOW)) == {"old": (1, 0), "new": (4, 0)}
    assert _per_rule(evaluate_pass(warehouse, now=NOW)) == {"old": (0, 0), "new": (0, 0)}
    assert sorted(e["rule_name"] for e in events(warehouse)) == ["new", "old"]


def test_snapshots_arriving_in_one_batch_are_split_into_late_and_new(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [60, 60], offset=5)
    evaluate_pass(warehouse, now=NOW)
    with warehouse.transaction() as conn:  # one batch: two behind the watermark, one after it
        conn.insert_rows("monitor_snapshots", ["unit_id", "observed_at", "leq"],
                         [("u1", T0 + timedelta(minutes=m), v) for m, v in ((0, 99.0), (9, 75.0), (6, 99.0))])
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.late, report.readings, report.opened) == (2, 1, 1)
    assert events(warehouse)[0]["onset_at"] == T0 + timedelta(minutes=9)
    with warehouse.connect() as conn:
        assert conn.query("SELECT readings_seen, late_total FROM alert_state") == [(5, 2)]


def test_a_disabled_rule_catches_up_on_what_arrived_meanwhile(warehouse):
    rule = add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [60], offset=5)
    evaluate_pass(warehouse, now=NOW)
    with warehouse.transaction() as conn:
        conn.execute("UPDATE alert_rules SET enabled = FALSE WHERE id = ?", (rule.id,))
    add_snapshots(warehouse, "u1", [99], offset=1)  # late
    add_snapshots(warehouse, "u1", [75], offset=7)
    evaluate_pass(warehouse, now=NOW)
    with warehouse.transaction() as conn:
        conn.execute("UPDATE alert_rules SET enabled = TRUE WHERE id = ?", (rule.id,))
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.late, report.readings, report.opened) == (1, 1, 1)


def test_a_snapshot_committed_after_a_newer_one_is_still_evaluated_in_order(warehouse):
    """PostgreSQL: a writer that started first may commit last. The pass waits for it instead
    of moving past its rows (which a plain sequence would have made lost or late)."""
    if not warehouse.url.backend == "postgresql":
        pytest.skip("DuckDB has one writing process per file")
    add_rule(warehouse, duration_s=60.0)
    with warehouse.connect() as slow:
        slow.execute("BEGIN")
        slow.insert_rows("monitor_snapshots", ["unit_id", "observed_at", "leq"], [("u1", T0, 75.0)])
        add_snapshots(warehouse, "u1", [75.0], offset=1)  # commits first
        waiting = evaluate_pass(warehouse, now=NOW)
        slow.execute("COMMIT")
    report = evaluate_pass(warehouse, now=NOW)
    assert (waiting.readings, report.readings, report.late, report.opened) == (0, 2, 0, 1)
    assert events(warehouse)[0]["onset_at"] == T0 + timedelta(minutes=1)


def _back_to_version_400(warehouse):
    """Undo migration 401 on an initialised warehouse (keeping rows), as a 400 warehouse was."""
    with warehouse.transaction() as conn:
        if warehouse.backend == "duckdb":
            conn.execute("DROP INDEX monitor_snapshots_unit_time")
            conn.execute("DROP INDEX monitor_snapshots_time")
        conn.execute("ALTER TABLE monitor_snapshots DROP COLUMN arrival_id")
        conn.execute("ALTER TABLE alert_state DROP COLUMN arrival_cursor")
        if warehouse.backend == "duckdb":
            conn.execute("DROP SEQUENCE monitor_snapshots_arrival_seq")
            conn.execute("CREATE INDEX monitor_snapshots_unit_time ON monitor_snapshots (unit_id, observed_at)")
            conn.execute("CREATE INDEX monitor_snapshots_time ON monitor_snapshots (observed_at)")
        conn.execute("DELETE FROM schema_migrations WHERE version = 401")


def test_state_stored_before_arrival_ids_counts_late_snapshots_once_after_the_upgrade(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [60, 60, 60], offset=10)
    evaluate_pass(warehouse, now=NOW)
    _back_to_version_400(warehouse)
    add_snapshots(warehouse, "u1", [99, 99])  # late, arrived before the upgrade
    assert init_schema(warehouse)["applied"] == ["m0401_snapshot_arrival"]
    add_snapshots(warehouse, "u1", [75], offset=13)
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.late, report.readings, report.opened) == (2, 1, 1)
    again = evaluate_pass(warehouse, now=NOW)
    assert (again.late, again.readings) == (0, 0)
    with warehouse.connect() as conn:
        assert conn.query("SELECT readings_seen, late_total FROM alert_state") == [(6, 2)]


def test_a_pass_with_nothing_new_writes_nothing(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [60, 75])
    evaluate_pass(warehouse, now=NOW)
    evaluate_pass(warehouse, now=NOW + timedelta(hours=1))
    with warehouse.connect() as conn:
        assert conn.query("SELECT updated_at FROM alert_state") == [(NOW,)]
    add_snapshots(warehouse, "u2", [60])  # another unit's snapshot moves every rule's cursor
    evaluate_pass(warehouse, now=NOW + timedelta(hours=2))
    with warehouse.connect() as conn:
        assert conn.query("SELECT updated_at FROM alert_state") == [(NOW + timedelta(hours=2),)]
