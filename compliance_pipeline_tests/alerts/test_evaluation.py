"""Evaluation passes against the real warehouse (DuckDB and PostgreSQL)."""

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.alerts import storage
from compliance_pipeline.alerts.evaluation import evaluate_pass
from compliance_pipeline.alerts.rule_store import update_rule
from compliance_pipeline_tests.alerts.helpers import NOW, T0, add_rule, add_snapshots, events, outbox_keys

LEVELS = [60, 75, 76, 80, 77, 66, 60, 60, 60]  # onset after 60 s above 70, clear after 60 s below 67


def test_a_pass_writes_onset_and_clear_with_snapshot_times(warehouse):
    rule = add_rule(warehouse)
    add_snapshots(warehouse, "u1", LEVELS)
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.readings, report.opened, report.cleared) == (9, 1, 1)
    (event,) = events(warehouse)
    assert event["rule_id"] == rule.id and event["status"] == "cleared"
    assert event["onset_at"] == T0 + timedelta(minutes=2) and event["onset_value"] == 76.0
    assert event["peak_value"] == 80.0
    assert event["clear_at"] == T0 + timedelta(minutes=6) and event["clear_value"] == 60.0
    assert len(outbox_keys(warehouse)) == 2


def test_a_rerun_adds_nothing(warehouse):
    add_rule(warehouse)
    add_snapshots(warehouse, "u1", LEVELS[:4])
    evaluate_pass(warehouse, now=NOW)
    with warehouse.connect() as conn:
        state_before = conn.query("SELECT * FROM alert_state")
    before = (events(warehouse), outbox_keys(warehouse))
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.readings, report.opened, report.cleared) == (0, 0, 0)
    assert (events(warehouse), outbox_keys(warehouse)) == before
    with warehouse.connect() as conn:
        assert conn.query("SELECT * FROM alert_state") == state_before
    assert before[0][0]["status"] == "active"


def test_state_carries_a_pending_edge_and_an_open_event_across_passes(warehouse):
    add_rule(warehouse)
    add_snapshots(warehouse, "u1", LEVELS[:2])  # edge pending: above 70 since t=1, not yet for 60 s
    evaluate_pass(warehouse, now=NOW)
    assert events(warehouse) == []
    add_snapshots(warehouse, "u1", LEVELS[2:6], offset=2)
    evaluate_pass(warehouse, now=NOW)
    add_snapshots(warehouse, "u1", LEVELS[6:], offset=6)
    evaluate_pass(warehouse, now=NOW)
    (event,) = events(warehouse)
    assert (event["onset_at"], event["peak_value"], event["clear_at"]) == (
        T0 + timedelta(minutes=2), 80.0, T0 + timedelta(minutes=6))


def test_null_readings_are_skipped_and_counted(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [75, None, None, 60])
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.skipped_missing, report.evaluated, report.opened, report.cleared) == (2, 2, 1, 1)


def test_late_snapshots_are_counted_once_and_not_evaluated(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [60, 60, 60], offset=10)
    evaluate_pass(warehouse, now=NOW)
    add_snapshots(warehouse, "u1", [99, 99])  # older than the watermark
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.late, report.readings, report.opened) == (2, 0, 0)
    assert evaluate_pass(warehouse, now=NOW).late == 0
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT late_total FROM alert_state") == 2


def test_updating_a_rule_resets_its_state_and_closes_its_open_event(warehouse):
    rule = add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [75, 76])
    evaluate_pass(warehouse, now=NOW)
    with warehouse.transaction() as conn:
        update_rule(conn, rule.id, {"threshold_db": 80.0})
    add_snapshots(warehouse, "u1", [78], offset=2)
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.reset_rules, report.opened) == (1, 0)
    (event,) = events(warehouse)
    assert event["status"] == "cleared" and "rule changed" in event["notes"]
    with warehouse.connect() as conn:
        assert conn.query("SELECT phase, open_event_id FROM alert_state") == [("idle", None)]
    assert sum(":clear:" in k for k in outbox_keys(warehouse)) == 1


def test_a_pass_that_fails_midway_leaves_nothing(warehouse, monkeypatch):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [75, 60])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(storage, "replace_states", broken)
    with pytest.raises(RuntimeError):
        evaluate_pass(warehouse, now=NOW)
    assert events(warehouse) == [] and outbox_keys(warehouse) == []
    monkeypatch.undo()
    assert evaluate_pass(warehouse, now=NOW).opened == 1


def test_a_bad_rule_row_is_reported_and_the_others_still_run(warehouse):
    add_rule(warehouse, duration_s=0)
    with warehouse.transaction() as conn:
        conn.execute("INSERT INTO alert_rules (unit_id, name, metric, comparison, threshold_db, enabled)"
                     " VALUES ('u1', 'typo', 'dba', 'above', 1, TRUE)")
    add_snapshots(warehouse, "u1", [75])
    report = evaluate_pass(warehouse, now=NOW)
    assert report.opened == 1 and "metric" in report.invalid_rules[0]["error"]


_EXAMPLE_NUMBERS = itertools.count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_split_passes_with_persisted_state_equal_one_pass(warehouse, data):
    levels = data.draw(st.lists(st.sampled_from([None, 55.0, 66.0, 68.0, 72.0, 90.0]), min_size=1, max_size=30))
    cut = data.draw(st.integers(min_value=0, max_value=len(levels)))
    duration = data.draw(st.sampled_from([0.0, 60.0, 150.0]))
    tag = next(_EXAMPLE_NUMBERS)  # each example gets units of its own in the shared warehouse
    whole, split = f"whole-{tag}", f"split-{tag}"
    for unit in (whole, split):
        add_rule(warehouse, unit_id=unit, duration_s=duration)
    add_snapshots(warehouse, whole, levels)
    add_snapshots(warehouse, split, levels[:cut])
    evaluate_pass(warehouse, now=NOW)
    add_snapshots(warehouse, split, levels[cut:], offset=cut)
    evaluate_pass(warehouse, now=NOW)
    fields = ("onset_at", "onset_value", "peak_value", "clear_at", "clear_value", "status")
    assert [[e[f] for f in fields] for e in events(warehouse, split)] == \
        [[e[f] for f in fields] for e in events(warehouse, whole)]


def test_a_stored_nan_is_a_reading_that_breaks_an_edge_not_a_skip(warehouse):
    # The seed's float(nan) succeeds: the reading is evaluated, exceeds nothing, and resets the edge.
    add_rule(warehouse, duration_s=60.0)
    add_snapshots(warehouse, "u1", [75.0, float("nan"), 75.0, 75.0])
    report = evaluate_pass(warehouse, now=NOW)
    assert (report.evaluated, report.skipped_missing) == (4, 0)
    assert events(warehouse)[0]["onset_at"] == T0 + timedelta(minutes=3)
