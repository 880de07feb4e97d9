"""Retries of operations messages that could not be delivered (the webhook was down)."""

import dagster as dg

from compliance_pipeline.automation import schedule_status
from compliance_pipeline.ops.jobs import ops_webhook_delivery_job

ops_webhook_delivery_schedule = dg.ScheduleDefinition(
    name="ops_webhook_delivery_schedule", job=ops_webhook_delivery_job, cron_schedule="*/5 * * * *",
    execution_timezone="UTC", default_status=schedule_status(),
    description="Every 5 minutes: deliver operations messages that are due for a retry.")
