"""Dagster assets: alert_evaluation (one pass) and alert_webhook_delivery (its own step)."""

from datetime import datetime, timezone

import dagster as dg

from compliance_pipeline.alerts.resources import AlertWebhookResource
from compliance_pipeline.ui import markdown_table
from compliance_pipeline.warehouse.resource import WarehouseResource

GROUP = "alerts"

monitor_snapshots = dg.AssetSpec(
    "monitor_snapshots", group_name=GROUP,
    description="Sound-meter readings per unit (lp, leq, lmax, lmin, lpeak, ln1, ln2), filled by the monitor feed.")
alert_rules = dg.AssetSpec(
    "alert_rules", group_name=GROUP,
    description="Threshold rules per unit; edited with `compliance-pipeline alerts rules ...`.")


@dg.asset(
    group_name=GROUP,
    deps=[monitor_snapshots, alert_rules],
    description="Runs every enabled rule over the monitor snapshots it has not seen yet; writes alert_events, "
                "alert_state and webhook messages to the outbox in one transaction.",
)
def alert_evaluation(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from compliance_pipeline.alerts import storage
    from compliance_pipeline.alerts.evaluation import evaluate_pass

    wh = warehouse.get()
    report = evaluate_pass(wh, now=datetime.now(timezone.utc), log=context.log)
    with wh.connect() as conn:
        active = storage.active_events(conn)
    for invalid in report.invalid_rules:
        context.log.error(f"alert rule {invalid['rule_id']} not evaluated: {invalid['error']}")
    return dg.MaterializeResult(metadata={
        "rules": dg.MetadataValue.int(report.rules),
        "readings_processed": dg.MetadataValue.int(report.readings),
        "readings_evaluated": dg.MetadataValue.int(report.evaluated),
        "skipped_out_of_schedule": dg.MetadataValue.int(report.skipped_schedule),
        "skipped_missing_value": dg.MetadataValue.int(report.skipped_missing),
        "late_snapshots": dg.MetadataValue.int(report.late),
        "events_opened": dg.MetadataValue.int(report.opened),
        "events_cleared": dg.MetadataValue.int(report.cleared),
        "rules_reset": dg.MetadataValue.int(report.reset_rules),
        "invalid_rules": dg.MetadataValue.json(report.invalid_rules),
        "active_alerts": dg.MetadataValue.md(markdown_table(active)),
        "per_rule": dg.MetadataValue.md(markdown_table(report.per_rule)),
    })


@dg.asset(
    group_name=GROUP,
    deps=[alert_evaluation],
    description="POSTs queued onset/clear messages to ALERT_WEBHOOK_URL with an idempotency key; retries with "
                "backoff. Never fails for a webhook that is down: messages stay in the outbox.",
)
def alert_webhook_delivery(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                           alert_webhook: AlertWebhookResource) -> dg.MaterializeResult:
    from compliance_pipeline.alerts.delivery import deliver_report
    from compliance_pipeline.outbox.metadata import delivery_metadata

    report = deliver_report(warehouse.get(), alert_webhook.target(), now=datetime.now(timezone.utc))
    if not report.configured:
        context.log.warning(f"ALERT_WEBHOOK_URL is not set: {report.outbox['pending']} message(s) wait")
    return dg.MaterializeResult(metadata=delivery_metadata(report))
