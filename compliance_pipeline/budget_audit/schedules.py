"""weekly_budget_report_schedule: Mondays 07:00 UTC, the week that just ended (the last WEEKLY partition)."""

import dagster as dg

from compliance_pipeline.automation import schedule_status
from compliance_pipeline.budget_audit.jobs import weekly_budget_report_job

weekly_budget_report_schedule = dg.build_schedule_from_partitioned_job(
    weekly_budget_report_job, name="weekly_budget_report_schedule", hour_of_day=7, minute_of_hour=0,
    default_status=schedule_status(),
)
