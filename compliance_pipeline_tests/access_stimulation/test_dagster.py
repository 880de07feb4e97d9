"""Dagster wiring against the real warehouse: materializations, blocking check, delivery, schedule."""

from datetime import date, datetime, timedelta, timezone

import dagster as dg
import pytest

from compliance_pipeline import outbox
from compliance_pipeline.access_stimulation import assets, checks
from compliance_pipeline.access_stimulation.erpnext import ERPNextResource
from compliance_pipeline.outbox import topics
from compliance_pipeline.warehouse.resource import SESSION_TAG, WarehouseResource
from compliance_pipeline_tests.access_stimulation.helpers import add_profiles, add_studies, at, table_snapshot
from compliance_pipeline_tests.http_stub import HttpStub

DAY = date(2026, 3, 15)
DAY_ASSETS = [assets.source_profiles, assets.source_studies, assets.traffic_six_month_aggregates,
              assets.access_stimulation_flags]


def resources(warehouse, erpnext=None):
    return {"warehouse": WarehouseResource(url=warehouse.url.raw), "erpnext": erpnext or ERPNextResource()}


def materialize_day(warehouse, day=DAY, run_config=None):
    return dg.materialize(
        DAY_ASSETS, partition_key=day.isoformat(), resources=resources(warehouse), run_config=run_config,
        raise_on_error=False,
        selection=dg.AssetSelection.assets(assets.traffic_six_month_aggregates, assets.access_stimulation_flags),
    )


def metadata_of(result, asset_name):
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset_name]
    return event.materialization.metadata


def seed_rows(warehouse):
    add_profiles(warehouse, [(1, True), (2, True), (3, True, datetime(2026, 3, 6, tzinfo=timezone.utc)), (4, True)])
    add_studies(warehouse, [(1, at(DAY), 4500, 1000), (2, at(DAY), 2000, 1000), (3, at(DAY), 8000, 1000),
                            (4, at(DAY), 800, 0)])


def test_day_materialization_shows_outcomes_and_is_idempotent(warehouse):
    seed_rows(warehouse)
    result = materialize_day(warehouse)
    assert result.success
    (check,) = result.get_asset_check_evaluations()  # evaluated with the aggregates, no rows named
    assert check.passed and check.metadata["unknown_profile_rows"].value == 0
    meta = metadata_of(result, "access_stimulation_flags")
    assert meta["flagged"].value == 1 and meta["max_ratio"].value == 8.0
    assert meta["outcomes"].data == {"flagged": 1, "cooldown": 1, "below_threshold": 1, "no_orig_traffic": 1}
    rows = [record.data for record in meta["flagged_and_cooldown"].records]
    assert {"profile_id": 1, "reason": "flagged", "ratio": 4.5, "term_minutes": 4500,
            "orig_minutes": 1000, "last_flagged_at": None} in rows
    assert "reason" in [column.name for column in meta["flagged_and_cooldown"].schema.columns]
    assert metadata_of(result, "traffic_six_month_aggregates")["profiles"].value == 4
    once = table_snapshot(warehouse)
    assert materialize_day(warehouse).success
    assert table_snapshot(warehouse) == once


def test_dry_run_config_writes_nothing(warehouse):
    seed_rows(warehouse)
    assert materialize_day(warehouse).success  # aggregates exist; then wipe the flag outputs
    with warehouse.transaction() as conn:
        conn.execute("DELETE FROM access_stim_evaluations")
        conn.execute("DELETE FROM outbox")
        conn.execute("UPDATE cdr_ingestion_profiles SET access_stim_flagged_at = NULL WHERE id <> 3")
    before = table_snapshot(warehouse)
    result = materialize_day(warehouse, run_config={
        "ops": {"access_stimulation_flags": {"config": {"dry_run": True}}}})
    assert result.success and metadata_of(result, "access_stimulation_flags")["count_flagged"].value == 1
    assert table_snapshot(warehouse) == before


def test_blocking_check_names_bad_rows_and_stops_the_flags(warehouse):
    seed_rows(warehouse)
    add_studies(warehouse, [(1, at(DAY, 3), -50, 10), (99, at(DAY, 4), 10, 10)])
    result = materialize_day(warehouse)
    assert not result.success  # the aggregates step fails on its blocking check
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed and check.check_name == "traffic_studies_are_valid"
    assert check.metadata["negative_minutes_rows"].value == 1
    assert check.metadata["unknown_profile_rows"].value == 1
    assert "negative_minutes (1)" in check.description and "unknown_profile (1)" in check.description
    assert 99 in [record.data.get("profile_id") for record in check.metadata["unknown_profile"].records]
    assert not [e for e in result.get_asset_materialization_events()
                if e.asset_key.path[-1] == "access_stimulation_flags"]
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM access_stim_evaluations") == 0


def _deliver(warehouse, erpnext):
    return dg.materialize([assets.erpnext_todo_delivery, checks.erpnext_todos_not_waiting],
                          resources=resources(warehouse, erpnext))


@pytest.mark.slow
def test_erpnext_down_then_up_then_forbidden(warehouse):
    seed_rows(warehouse)
    assert materialize_day(warehouse).success
    # Unconfigured: nothing is attempted, the ToDo waits (visible), the run still succeeds.
    result = _deliver(warehouse, ERPNextResource())
    assert metadata_of(result, "erpnext_todo_delivery")["outbox_pending"].value == 1
    (check,) = result.get_asset_check_evaluations()
    assert check.passed  # queued just now
    with warehouse.transaction() as conn:  # ... and now it has waited 25 hours
        conn.execute("UPDATE outbox SET created_at = ?", (datetime.now(timezone.utc) - timedelta(hours=25),))
    (check,) = _deliver(warehouse, ERPNextResource()).get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["pending"].value == 1
    stub = HttpStub().start()
    erpnext = ERPNextResource(url=stub.url, api_key="k", api_secret="s")
    stub.stop()  # ERPNext down: still pending, flagging untouched, run succeeds
    result = _deliver(warehouse, erpnext)
    assert result.success and metadata_of(result, "erpnext_todo_delivery")["this_run_retrying"].value == 1
    with warehouse.transaction() as conn:  # make the retry due now instead of waiting for backoff
        conn.execute("UPDATE outbox SET next_attempt_at = ?", (datetime(2000, 1, 1, tzinfo=timezone.utc),))
    stub.start()
    assert metadata_of(_deliver(warehouse, erpnext), "erpnext_todo_delivery")["this_run_sent"].value == 1
    assert metadata_of(_deliver(warehouse, erpnext), "erpnext_todo_delivery")["this_run_sent"].value == 0
    (request,) = stub.requests
    assert request.path == "/api/resource/ToDo" and request.headers["Authorization"] == "token k:s"
    assert request.body["priority"] == "High" and request.body["role"] == "Accounting Advisor"
    with warehouse.connect() as conn:
        (sent,) = outbox.list_messages(conn, topics.ERPNEXT_TODO)
    assert (sent.status, sent.remote_ref) == ("sent", "TODO-0001")
    # A second flag (another day) meets a 403: kept as failed with ERPNext's text.
    add_studies(warehouse, [(2, at(DAY + timedelta(days=40)), 90_000, 1000)])
    assert materialize_day(warehouse, DAY + timedelta(days=40)).success
    stub.respond(403, {"exc": "Insufficient Permission for ToDo"})
    result = _deliver(warehouse, erpnext)
    stub.stop()
    with warehouse.connect() as conn:
        failed = outbox.list_messages(conn, topics.ERPNEXT_TODO, status="failed")
        assert outbox.status_counts(conn, topics.ERPNEXT_TODO) == {"pending": 0, "sent": 1, "failed": len(failed)}
    assert metadata_of(result, "erpnext_todo_delivery")["this_run_failed"].value == len(failed) >= 1
    assert all("403" in m.last_error and "Insufficient Permission" in m.last_error for m in failed)


def test_flags_depend_on_the_previous_day_so_backfills_run_in_order():
    from compliance_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    key = dg.AssetKey("access_stimulation_flags")
    upstream = graph.get(key).parent_keys
    assert {dg.AssetKey("traffic_six_month_aggregates"), key} <= set(upstream)
    for asset in (key, dg.AssetKey("traffic_six_month_aggregates")):
        assert asset in graph.get(asset).parent_keys
        mapping = graph.get_partition_mapping(asset, asset)
        assert isinstance(mapping, dg.TimeWindowPartitionMapping) and mapping.start_offset == -1


def test_schedule_runs_yesterdays_partition_of_the_four_day_assets():
    from compliance_pipeline.definitions import defs

    schedule = defs.resolve_schedule_def("daily_access_stimulation_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    tick = datetime(2026, 3, 16, 6, 0, tzinfo=timezone.utc)
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=tick)
        data = schedule.evaluate_tick(context)
    (request,) = data.run_requests
    assert request.partition_key == "2026-03-15"
    job = defs.resolve_job_def(schedule.job_name)
    assert {k.path[-1] for k in job.asset_layer.selected_asset_keys} >= {
        "traffic_six_month_aggregates", "access_stimulation_flags", "budget_audit_log", "budget_daily_summary"}
    # Steps run one after another in the run's process, sharing one warehouse session.
    assert job.executor_def.name == "in_process"
    assert job.tags.get(SESSION_TAG) == "run"


def test_bad_run_config_fails_naming_the_field(warehouse):
    seed_rows(warehouse)
    result = materialize_day(warehouse, run_config={
        "ops": {"access_stimulation_flags": {"config": {"threshold": -1.0}}}})
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.error
    assert error.cause.cls_name == "InputError" and "threshold must be a positive" in error.cause.message
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM access_stim_evaluations") == 0
