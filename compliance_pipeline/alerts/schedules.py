"""A delivery retry schedule: messages waiting on a webhook that was down go out without new snapshots."""

import dagster as dg

from compliance_pipeline.alerts.jobs import alert_delivery_job
from compliance_pipeline.automation import schedule_status

alert_delivery_retry_schedule = dg.ScheduleDefinition(
    name="alert_delivery_retry_schedule", job=alert_delivery_job, cron_schedule="*/5 * * * *",
    default_status=schedule_status(),
    description="Every 5 minutes: deliver alert webhook messages that are due for a retry.")
