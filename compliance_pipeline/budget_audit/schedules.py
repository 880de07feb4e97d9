"""weekly_budget_report_schedule: Mondays 07:00 UTC, last week's budget_weekly_report partition."""

import dagster as dg

from compliance_pipeline.automation import schedule_status
from compliance_pipeline.budget_audit.core import last_week_start

weekly_budget_report_job = dg.define_asset_job(
    "weekly_budget_report_job", selection=["budget_weekly_report"],
    description="budget_weekly_report (and its ceiling check) for one week",
)


@dg.schedule(name="weekly_budget_report_schedule", cron_schedule="0 7 * * 1", execution_timezone="UTC",
             job=weekly_budget_report_job, default_status=schedule_status())
def weekly_budget_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    week_start = last_week_start(context.scheduled_execution_time.date())
    key = week_start.isoformat()
    return dg.RunRequest(run_key=f"budget_weekly_report:{key}", partition_key=key)
