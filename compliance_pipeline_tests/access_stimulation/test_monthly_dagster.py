"""Dagster wiring of the monthly status: asset, config, schedule, and the CLI agreeing with it."""

import json
from datetime import date, datetime, timezone

import dagster as dg

from compliance_pipeline.access_stimulation import assets, monthly_assets
from compliance_pipeline.cli import main
from compliance_pipeline.definitions import defs
from compliance_pipeline.warehouse.resource import WarehouseResource
from compliance_pipeline_tests.access_stimulation.monthly_helpers import (
    add_agreements,
    add_month,
    add_profiles,
    snapshot,
    stored,
)

SPECS = [assets.source_profiles, assets.source_studies, monthly_assets.source_agreements,
         monthly_assets.access_stimulation_monthly_status]


def materialize(warehouse, label, config=None):
    return dg.materialize(
        SPECS, partition_key=f"{label}-01", resources={"warehouse": WarehouseResource(url=warehouse.url.raw)},
        run_config={"ops": {monthly_assets.ASSET_NAME: {"config": config}}} if config else None,
        selection=dg.AssetSelection.assets(monthly_assets.ASSET_NAME))


def _data(warehouse):
    add_profiles(warehouse, [(1, "clec"), (2, "clec"), (3, "rate_of_return")])
    add_agreements(warehouse, [(2, date(2026, 2, 20), None)])
    add_month(warehouse, [(1, "2026-02", 6_500, 1_000), (2, "2026-02", 3_200, 1_000), (3, "2026-02", 800, 1_000),
                          (1, "2026-03", 1_000, 1_000), (2, "2026-03", 3_000, 1_000)])


def test_asset_writes_the_month_and_the_cli_agrees(warehouse_env, capsys):
    _data(warehouse_env)
    result = materialize(warehouse_env, "2026-02")
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["engaged"].value == 2 and meta["newly_engaged"].value == 2 and meta["todos_enqueued"].value == 2
    assert any("61.3(bbb)(1)(ii)" in r.data["bases"] for r in meta["engaged_and_exited"].records)
    assert materialize(warehouse_env, "2026-03").success
    before = snapshot(warehouse_env)
    assert main(["access-stim", "monthly", "--month", "2026-03", "--dry-run"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert snapshot(warehouse_env) == before
    stored_rows = [s.as_dict() for s in stored(warehouse_env, "2026-03")]
    assert cli["statuses"] == json.loads(json.dumps(stored_rows))
    assert (cli["month"], cli["evaluated"], cli["engaged"], cli["dry_run"]) == ("2026-03", 3, 2, True)
    assert main(["access-stim", "monthly", "--month", "2026-03"]) == 0  # a write run: the same rows again
    assert json.loads(capsys.readouterr().out)["written"] == {"status_rows": 3, "todos_enqueued": 0}
    assert snapshot(warehouse_env) == before


def test_run_config_overrides_the_regulations_numbers(warehouse):
    _data(warehouse)
    result = materialize(warehouse, "2026-02", {"clec_ratio": 7.0, "dry_run": True})
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["engaged"].value == 1 and "status_rows" not in meta
    assert stored(warehouse, "2026-02") == []


def test_bad_month_exits_2_with_one_line(warehouse_env, capsys):
    for bad in ("2026-13", "2026/03", "9999-99"):
        assert main(["access-stim", "monthly", "--month", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--month must be YYYY-MM" in err
    assert main(["access-stim", "--dry-run", "--as-of", "2026-03-01"]) == 0  # the old form still works
    assert set(json.loads(capsys.readouterr().out)) == {"evaluated", "flagged", "dry_flagged", "summaries"}


def test_schedule_runs_last_month_on_the_2nd_at_0600_utc():
    schedule = defs.resolve_schedule_def("monthly_access_stimulation_schedule")
    assert schedule.cron_schedule == "0 6 2 * *" and schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED  # COMPLIANCE_AUTOMATION unset
    with dg.build_schedule_context(scheduled_execution_time=datetime(2026, 4, 2, 6, tzinfo=timezone.utc)) as ctx:
        (request,) = schedule.evaluate_tick(ctx).run_requests
    assert request.partition_key == "2026-03-01"
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(monthly_assets.ASSET_NAME))
    assert node.group_name == "access_stimulation" and node.partitions_def.timezone == "UTC"
    assert dg.AssetKey(monthly_assets.ASSET_NAME) in node.parent_keys  # each month depends on the one before
