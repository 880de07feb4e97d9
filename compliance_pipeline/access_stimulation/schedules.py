"""Schedules of access_stimulation."""

import dagster as dg

from compliance_pipeline.access_stimulation.jobs import erpnext_todo_delivery_job
from compliance_pipeline.automation import schedule_status

# Delivery is its own step: a failed or down ERPNext never touches flagging; retries every 15 min.
erpnext_todo_delivery_schedule = dg.ScheduleDefinition(
    name="erpnext_todo_delivery_schedule", job=erpnext_todo_delivery_job, cron_schedule="*/15 * * * *",
    execution_timezone="UTC", default_status=schedule_status(),
)
