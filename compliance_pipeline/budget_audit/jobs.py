"""Jobs of budget_audit."""

import dagster as dg

weekly_budget_report_job = dg.define_asset_job(
    "weekly_budget_report_job", selection=dg.AssetSelection.assets("budget_weekly_report"),
    description="budget_weekly_report (and its ceiling check) for one week",
)
