"""Dagster wiring against a real warehouse (DuckDB and PostgreSQL): assets, check, schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import dagster as dg
import pytest

from compliance_pipeline.budget_audit import demo, storage
from compliance_pipeline.budget_audit.assets import budget_audit_log, budget_daily_summary, budget_weekly_report
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.resources import BudgetAuditResource
from compliance_pipeline.warehouse.resource import WarehouseResource
from compliance_pipeline_tests.budget_audit.helpers import T0, daily_summaries, slot, weekly_reports

ANCHOR = date(2025, 3, 16)  # a Sunday: the demo's six full weeks start Monday 2025-02-03


def _resources(warehouse, log_dir):
    return {"warehouse": WarehouseResource(url=warehouse.url.raw),
            "budget_audit": BudgetAuditResource(audit_dir=str(log_dir))}


def _metadata(result, asset_name):
    return result.asset_materializations_for_node(asset_name)[0].metadata


def test_daily_assets_compact_the_day_and_store_the_seeds_summary(warehouse, tmp_path):
    log = BudgetAuditLog(tmp_path)
    demo.load_demo(warehouse, seed=3, scale=1, anchor=ANCHOR, log=log)
    day = date(2025, 3, 10)
    expected = log.daily_summary(day)
    for _ in range(2):  # a rerun replaces the day's row
        result = dg.materialize([budget_audit_log, budget_daily_summary], partition_key=day.isoformat(),
                                resources=_resources(warehouse, tmp_path))
        assert result.success
    compaction = _metadata(result, "budget_audit_log")
    assert compaction["rows"].value == 96 and compaction["files_after"].value == 1
    assert log.daily_summary(day) == expected  # compaction changed nothing a reader sees
    stored = daily_summaries(warehouse, day, day)
    assert len(stored) == 1
    assert {k: stored[0][k] for k in ("slots", "total_cost_kwh", "interventions", "max_offset_deg",
                                      "budget_remaining_kwh")} == {k: v for k, v in expected.items() if k != "date"}
    assert _metadata(result, "budget_daily_summary")["total_cost_kwh"].value == expected["total_cost_kwh"]


def test_weekly_report_stores_the_week_and_the_cumulative_projection(warehouse, tmp_path):
    log = BudgetAuditLog(tmp_path)
    demo.load_demo(warehouse, seed=3, scale=1, anchor=ANCHOR, log=log)
    week = date(2025, 3, 3)  # the demo's high week
    result = dg.materialize([budget_weekly_report], partition_key=week.isoformat(),
                            resources=_resources(warehouse, tmp_path))
    week_report = log.weekly_report(first=week, last=week + timedelta(days=6))
    to_date = log.weekly_report(last=week + timedelta(days=6))
    assert week_report["compliant"] is False and to_date["compliant"] is True  # a high week, fine overall
    rows = {r["scope"]: r for r in weekly_reports(warehouse, scope="week")
            + weekly_reports(warehouse, scope="to_date")}
    assert {k: rows["week"][k] for k in storage.REPORT_FIELDS} == week_report
    assert {k: rows["to_date"][k] for k in storage.REPORT_FIELDS} == to_date
    metadata = _metadata(result, "budget_weekly_report")
    assert metadata["projected_annual_kwh"].value == to_date["projected_annual_kwh"]
    assert metadata["total_cost_kwh"].value == week_report["total_cost_kwh"]
    assert len(metadata["days"].records) == 7  # one row per day of the week
    [check] = result.get_asset_check_evaluations()
    assert check.passed


@pytest.mark.parametrize("daily_kwh, passed, severity", [
    (10.0, True, None),
    (25.0, False, dg.AssetCheckSeverity.WARN),  # 25/30 of the daily ceiling share: 83%
    (31.0, False, dg.AssetCheckSeverity.ERROR),
])
def test_ceiling_check_severity(warehouse, tmp_path, daily_kwh, passed, severity):
    log = BudgetAuditLog(tmp_path)
    log.log_slots([slot(96 * d, cost=daily_kwh) for d in range(7)])
    result = dg.materialize([budget_weekly_report], partition_key=T0.date().isoformat(),
                            resources=_resources(warehouse, tmp_path), raise_on_error=False)
    [check] = result.get_asset_check_evaluations()
    assert check.passed is passed
    if severity:
        assert check.severity == severity
        assert check.metadata["utilization_pct"].value == log.weekly_report()["utilization_pct"]


def test_an_empty_week_materializes_without_rows(warehouse, tmp_path):
    result = dg.materialize([budget_weekly_report], partition_key="2025-03-03",
                            resources=_resources(warehouse, tmp_path))
    assert result.success and weekly_reports(warehouse, scope="week") == []


def test_weekly_schedule_requests_last_weeks_partition():
    from compliance_pipeline.definitions import defs

    schedule = defs.resolve_schedule_def("weekly_budget_report_schedule")
    context = dg.build_schedule_context(
        repository_def=defs.get_repository_def(),
        scheduled_execution_time=datetime(2025, 3, 10, 7, 0, tzinfo=timezone.utc))
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2025-03-03"  # the week that just ended
    assert schedule.cron_schedule == "0 7 * * 1" and schedule.execution_timezone == "UTC"


def test_the_code_location_has_the_contract_names():
    from compliance_pipeline.definitions import defs

    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"budget_audit_log", "budget_daily_summary", "budget_weekly_report"} <= keys
    assert repo.get_schedule_def("weekly_budget_report_schedule").execution_timezone == "UTC"
    check_keys = {k.name for k in repo.asset_graph.asset_check_keys}
    assert "budget_within_annual_ceiling" in check_keys
