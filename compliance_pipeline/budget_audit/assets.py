"""The budget audit's assets: compact a day's log, summarize a day, report a week (+ ceiling check)."""

from datetime import date, datetime, timedelta, timezone

import dagster as dg

from compliance_pipeline.budget_audit import core, storage
from compliance_pipeline.budget_audit.checks import CHECK_SPEC, ceiling_check_result
from compliance_pipeline.budget_audit.resources import BudgetAuditResource
from compliance_pipeline.budget_audit.tables import AUDIT_LOG, DAILY_SUMMARY, DOMAIN, WEEKLY_REPORT
from compliance_pipeline.catalog import materialization_metadata, materialized
from compliance_pipeline.partitions import DAILY, WEEKLY
from compliance_pipeline.ui import rows_table
from compliance_pipeline.warehouse.resource import WarehouseResource

GROUP = DOMAIN.group
DAY_COLUMNS = ["date", *DAILY_SUMMARY.pick("slots", "total_cost_kwh", "interventions", "max_offset_deg",
                                          "budget_remaining_kwh")]
COMPACTION_COLUMNS = ["day", "files_before", "files_after", "rows", "bytes", "stale_removed"]

control_loop_ticks = dg.AssetSpec(
    "budget_control_loop_ticks",
    description="Slot spends as the solar tracker's control loop appends them (BudgetAuditLog.log_slot "
                "or `compliance-pipeline budget log`): one small parquet file per append under "
                "BUDGET_AUDIT_DIR/day=YYYY-MM-DD/.",
    **DOMAIN.asset(AUDIT_LOG),
)


def _window_days(context: dg.AssetExecutionContext) -> list[date]:
    window = context.partition_time_window
    first = window.start.date()
    return [first + timedelta(days=i) for i in range((window.end.date() - first).days)]


@dg.asset(partitions_def=DAILY, **DOMAIN.asset(AUDIT_LOG), deps=[control_loop_ticks],
          backfill_policy=dg.BackfillPolicy.single_run())
def budget_audit_log(context: dg.AssetExecutionContext, budget_audit: BudgetAuditResource) -> dg.MaterializeResult:
    """The day's slot spends compacted into one parquet file, atomically (readers see every row
    once). A backfill compacts its whole range in one run."""
    log = budget_audit.get()
    results = [log.compact_day(day) for day in _window_days(context)]
    rows = [{"day": r.day, "files_before": r.files_before, "files_after": r.files_after, "rows": r.rows,
             "bytes": r.bytes_after, "stale_removed": r.stale_removed} for r in results]
    return dg.MaterializeResult(metadata={
        "rows": dg.MetadataValue.int(sum(r.rows for r in results)),
        "files_before": dg.MetadataValue.int(sum(r.files_before for r in results)),
        "files_after": dg.MetadataValue.int(sum(r.files_after for r in results)),
        "bytes": dg.MetadataValue.int(sum(r.bytes_after for r in results)),
        "path": dg.MetadataValue.path(str(log.path)),
        "compaction": rows_table(rows, COMPACTION_COLUMNS),
        # row_count: the rows of the run's day(s), as count(*) over their parquet files.
        **materialization_metadata(AUDIT_LOG, sum(r.rows for r in results)),
    })


@dg.asset(partitions_def=DAILY, **DOMAIN.asset(DAILY_SUMMARY), deps=[budget_audit_log],
          backfill_policy=dg.BackfillPolicy.single_run())
def budget_daily_summary(context: dg.AssetExecutionContext, budget_audit: BudgetAuditResource,
                         warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per day: slots, energy given up (kWh), interventions, largest offset and the budget left,
    stored in budget_daily_summary. A backfill summarizes its whole range in one run."""
    log = budget_audit.get()
    days = _window_days(context)
    found = {a.day: a for a in log.day_aggregates(days[0], days[-1])}
    summaries = [core.daily_summary(found.get(d, core.DayAggregate(day=d, slots=0)), log_is_empty=False)
                 for d in days]
    storage.replace_daily_summaries(warehouse.get(), days[0], days[-1], summaries, datetime.now(timezone.utc))
    last = summaries[-1]
    return dg.MaterializeResult(metadata={
        "slots": dg.MetadataValue.int(sum(s["slots"] for s in summaries)),
        "total_cost_kwh": dg.MetadataValue.float(round(sum(s["total_cost_kwh"] for s in summaries), 4)),
        "interventions": dg.MetadataValue.int(sum(s.get("interventions", 0) for s in summaries)),
        "max_offset_deg": dg.MetadataValue.float(float(max(s.get("max_offset_deg", 0.0) for s in summaries))),
        "budget_remaining_kwh": dg.MetadataValue.float(float(last.get("budget_remaining_kwh", 0.0))),
        "summary": rows_table(summaries, DAY_COLUMNS),
        **materialized(warehouse.get(), DAILY_SUMMARY, {"day": (days[0], days[-1])}),
    })


@dg.asset(partitions_def=WEEKLY, **DOMAIN.asset(WEEKLY_REPORT), deps=[budget_audit_log],
          check_specs=[CHECK_SPEC])
def budget_weekly_report(context: dg.AssetExecutionContext, budget_audit: BudgetAuditResource,
                         warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The week's energy sacrifice (Monday to Sunday) and the annual projection from all data up to
    the week's end, against the ceiling (BUDGET_MAX_ENERGY_REDUCTION_PCT of capacity x 6 h x 365);
    the check budget_within_annual_ceiling judges the projection."""
    log = budget_audit.get()
    week_start = context.partition_time_window.start.date()
    week_end = week_start + timedelta(days=6)
    week = log.weekly_report(first=week_start, last=week_end)
    to_date = log.weekly_report(last=week_end)
    storage.replace_weekly_report(warehouse.get(), week_start, {"week": week, "to_date": to_date},
                                  datetime.now(timezone.utc))
    found = {a.day: a for a in log.day_aggregates(week_start, week_end)}
    days = [core.daily_summary(found.get(d, core.DayAggregate(day=d, slots=0)), log_is_empty=False)
            for d in core.week_days(week_start)]
    scopes = [{"scope": name, **report} for name, report in (("week", week), ("to_date", to_date))]
    return dg.MaterializeResult(
        metadata={
            # Plotted across partitions: the cumulative projection and the week's own spend.
            "projected_annual_kwh": dg.MetadataValue.float(float(to_date.get("projected_annual_kwh", 0.0))),
            "utilization_pct": dg.MetadataValue.float(float(to_date.get("utilization_pct", 0.0))),
            "total_cost_kwh": dg.MetadataValue.float(float(week.get("total_cost_kwh", 0.0))),
            "week_projected_annual_kwh": dg.MetadataValue.float(float(week.get("projected_annual_kwh", 0.0))),
            "week_utilization_pct": dg.MetadataValue.float(float(week.get("utilization_pct", 0.0))),
            "ceiling_kwh": dg.MetadataValue.float(log.settings.ceiling_kwh),
            "compliant": dg.MetadataValue.bool(bool(to_date.get("compliant", True))),
            "report": rows_table(scopes, WEEKLY_REPORT.pick("scope", *storage.REPORT_FIELDS)),
            "days": rows_table(days, DAY_COLUMNS),
            **materialized(warehouse.get(), WEEKLY_REPORT, {"week_start": week_start}),
        },
        check_results=[ceiling_check_result(to_date)],
    )
