"""Dagster definitions of operations alerting."""

import dagster as dg

from compliance_pipeline.ops.checks import freshness_checks
from compliance_pipeline.ops.jobs import ops_webhook_delivery_job
from compliance_pipeline.ops.resources import ops_webhook_resource
from compliance_pipeline.ops.schedules import ops_webhook_delivery_schedule
from compliance_pipeline.ops.sensors import ops_check_failure_sensor, ops_freshness_sensor, ops_run_failure_sensor

defs = dg.Definitions(
    asset_checks=freshness_checks,
    jobs=[ops_webhook_delivery_job],
    schedules=[ops_webhook_delivery_schedule],
    sensors=[ops_run_failure_sensor, ops_check_failure_sensor, ops_freshness_sensor],
    resources={"ops_webhook": ops_webhook_resource()},
)
