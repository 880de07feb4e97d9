"""The budget-audit tables as the catalog and docs/reference.md describe them: the parquet log
(files under BUDGET_AUDIT_DIR) and the two warehouse rollups."""

from compliance_pipeline.catalog import PARQUET, Domain, table

DOMAIN = Domain(group="budget_audit", owners=("team:agrivoltaics",),
                tags={"domain": "budget_audit", "policy": "annual_energy_sacrifice_ceiling"})

AUDIT_LOG = table(
    "budget_audit_log",
    "The solar tracker's slot spends: one row per control-loop tick, in parquet files per UTC day "
    "under BUDGET_AUDIT_DIR (day=YYYY-MM-DD/).",
    ("timestamp", "TIMESTAMPTZ", "When the slot ran (UTC)."),
    ("date", "TEXT", "UTC date of timestamp (YYYY-MM-DD)."),
    ("slot_index", "BIGINT", "The slot's index within the day's plan."),
    ("planned_offset_deg", "DOUBLE", "Offset from the energy-optimal angle the plan asked for."),
    ("actual_offset_deg", "DOUBLE", "Offset actually applied (the tracker's target angle)."),
    ("energy_cost_kwh", "DOUBLE", "Energy given up in this slot (>= 0)."),
    ("budget_spent_kwh", "DOUBLE", "Budget spent so far, after this slot."),
    ("budget_remaining_kwh", "DOUBLE", "Budget remaining, after this slot."),
    ("gate_passed", "BOOLEAN", "Whether the live gate let the intervention through."),
    ("source", "TEXT", "Which part of the control loop wrote the row."),
    ("stage_id", "TEXT", "The crop stage the plan was made for."),
    storage=PARQUET,
)

DAILY_SUMMARY = table(
    "budget_daily_summary",
    "One row per day: slots, energy given up, interventions, largest offset, budget left at the day's end.",
    ("day", "DATE", "The UTC day."),
    ("slots", "INTEGER", "Slots logged that day (0: no data that day)."),
    ("total_cost_kwh", "DOUBLE", "Energy given up that day (kWh, 4 decimals)."),
    ("interventions", "INTEGER", "Slots whose live gate passed (the tracker left its optimal angle)."),
    ("max_offset_deg", "DOUBLE", "Largest absolute actual offset (degrees, 1 decimal)."),
    ("budget_remaining_kwh", "DOUBLE", "budget_remaining_kwh of the day's last slot."),
    ("computed_at", "TIMESTAMPTZ", "When the row was computed."),
)

WEEKLY_REPORT = table(
    "budget_weekly_report",
    "Two rows per week (Monday start): the week's own spend (scope week) and the projection from "
    "all data up to the week's end (scope to_date), against the annual ceiling.",
    ("week_start", "DATE", "The Monday the week starts on."),
    ("scope", "TEXT", "week: the week's rows only; to_date: every row up to the week's end."),
    ("period_days", "INTEGER", "Days with data in the scope."),
    ("total_cost_kwh", "DOUBLE", "Energy given up in the scope (kWh)."),
    ("daily_avg_kwh", "DOUBLE", "total_cost_kwh / period_days."),
    ("projected_annual_kwh", "DOUBLE", "daily_avg_kwh x 365."),
    ("ceiling_kwh", "DOUBLE", "Annual ceiling: capacity_kw x 6 h x 365 x max reduction %."),
    ("ceiling_pct", "DOUBLE", "The max energy reduction % the ceiling is built from."),
    ("utilization_pct", "DOUBLE", "projected_annual_kwh as % of ceiling_kwh."),
    ("compliant", "BOOLEAN", "projected_annual_kwh <= ceiling_kwh."),
    ("total_interventions", "INTEGER", "Slots whose live gate passed."),
    ("intervention_rate_pct", "DOUBLE", "total_interventions as % of the scope's slots."),
    ("computed_at", "TIMESTAMPTZ", "When the row was computed."),
)

SOURCE_TABLES = (AUDIT_LOG,)
OUTPUT_TABLES = (DAILY_SUMMARY, WEEKLY_REPORT)
