"""Dagster definitions of the alerts domain."""

import dagster as dg

from compliance_pipeline.alerts.assets import alert_evaluation, alert_rules, alert_webhook_delivery, monitor_snapshots
from compliance_pipeline.alerts.checks import alert_rules_valid, alert_webhook_nothing_refused
from compliance_pipeline.alerts.jobs import alert_delivery_job, alert_evaluation_job
from compliance_pipeline.alerts.resources import alert_webhook_resource
from compliance_pipeline.alerts.schedules import alert_delivery_retry_schedule
from compliance_pipeline.alerts.sensors import monitor_snapshot_sensor
from compliance_pipeline.catalog import with_code_references

defs = dg.Definitions(
    assets=with_code_references([monitor_snapshots, alert_rules, alert_evaluation, alert_webhook_delivery]),
    asset_checks=[alert_rules_valid, alert_webhook_nothing_refused],
    jobs=[alert_evaluation_job, alert_delivery_job],
    schedules=[alert_delivery_retry_schedule],
    sensors=[monitor_snapshot_sensor],
    resources={"alert_webhook": alert_webhook_resource()},
)
