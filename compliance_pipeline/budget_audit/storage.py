"""Warehouse tables of the budget audit (migration m0200): daily summaries and weekly reports.

Each materialization replaces its partition's rows (DELETE + bulk insert) in one transaction,
so a rerun never duplicates and a failure never leaves half a partition.
"""

from __future__ import annotations

from datetime import date, datetime

from compliance_pipeline.warehouse import Warehouse

DAILY_TABLE = "budget_daily_summary"
WEEKLY_TABLE = "budget_weekly_report"
DAILY_COLUMNS = ("day", "slots", "total_cost_kwh", "interventions", "max_offset_deg",
                 "budget_remaining_kwh", "computed_at")
REPORT_FIELDS = ("period_days", "total_cost_kwh", "daily_avg_kwh", "projected_annual_kwh", "ceiling_kwh",
                 "ceiling_pct", "utilization_pct", "compliant", "total_interventions", "intervention_rate_pct")
WEEKLY_COLUMNS = ("week_start", "scope", *REPORT_FIELDS, "computed_at")


def replace_daily_summaries(warehouse: Warehouse, first: date, last: date, summaries: list[dict],
                            computed_at: datetime) -> int:
    """Store the original script's daily_summary dicts (one per day first..last; empty days have slots 0)."""
    rows = [(date.fromisoformat(s["date"]), s["slots"], s["total_cost_kwh"], s.get("interventions", 0),
             s.get("max_offset_deg"), s.get("budget_remaining_kwh"), computed_at) for s in summaries]
    with warehouse.transaction() as conn:
        conn.execute(f"DELETE FROM {DAILY_TABLE} WHERE day BETWEEN ? AND ?", (first, last))
        return conn.insert_rows(DAILY_TABLE, DAILY_COLUMNS, rows)


def replace_weekly_report(warehouse: Warehouse, week_start: date, reports: dict[str, dict],
                          computed_at: datetime) -> int:
    """Store the week's reports by scope ('week', 'to_date'); a scope without data stores no row."""
    rows = [(week_start, scope, *(report[f] for f in REPORT_FIELDS), computed_at)
            for scope, report in reports.items() if "error" not in report]
    with warehouse.transaction() as conn:
        conn.execute(f"DELETE FROM {WEEKLY_TABLE} WHERE week_start = ?", (week_start,))
        return conn.insert_rows(WEEKLY_TABLE, WEEKLY_COLUMNS, rows)


def clear_outputs(warehouse: Warehouse) -> None:
    with warehouse.transaction() as conn:
        conn.execute(f"DELETE FROM {DAILY_TABLE}")
        conn.execute(f"DELETE FROM {WEEKLY_TABLE}")
