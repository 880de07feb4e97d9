"""Jobs of access_stimulation."""

import dagster as dg

from compliance_pipeline.partitions import DAILY

# The day's run spans two domains: the budget day assets share the DAILY partitions.
daily_access_stimulation_job = dg.define_asset_job(
    "daily_access_stimulation_job",
    selection=dg.AssetSelection.assets("traffic_six_month_aggregates", "access_stimulation_flags",
                                       "budget_audit_log", "budget_daily_summary"),
    partitions_def=DAILY,
    description="Yesterday's traffic aggregates and access-stimulation flags, plus the budget day assets.",
)

erpnext_todo_delivery_job = dg.define_asset_job(
    "erpnext_todo_delivery_job",
    selection=dg.AssetSelection.assets("erpnext_todo_delivery"),
    description="Send queued access-stimulation ToDos to ERPNext (retries are due by backoff).",
)
