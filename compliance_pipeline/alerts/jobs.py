"""Jobs: evaluation then delivery (what the sensor runs), and delivery alone (retries)."""

import dagster as dg

from compliance_pipeline.alerts.assets import alert_evaluation, alert_webhook_delivery

# Delivery is a separate step after evaluation: a webhook that is down never fails the evaluation.
# Both jobs are short: their steps run in the run's process (no subprocess start per step).
alert_evaluation_job = dg.define_asset_job(
    "alert_evaluation_job", selection=[alert_evaluation, alert_webhook_delivery],
    executor_def=dg.in_process_executor,
    description="One alert evaluation pass, then webhook delivery of what it queued.")

alert_delivery_job = dg.define_asset_job(
    "alert_delivery_job", selection=[alert_webhook_delivery], executor_def=dg.in_process_executor,
    description="Retry webhook delivery of queued alert messages (backoff is kept in the outbox).")
