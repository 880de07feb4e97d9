"""Dagster assets: alert_evaluation (one pass) and alert_webhook_delivery (its own step)."""

from datetime import datetime, timezone

import dagster as dg

from compliance_pipeline.alerts.resources import AlertWebhookResource
from compliance_pipeline.alerts.tables import DOMAIN, EVENTS, RULES, SNAPSHOTS
from compliance_pipeline.catalog import materialized
from compliance_pipeline.outbox.tables import OUTBOX
from compliance_pipeline.ui import rows_table
from compliance_pipeline.warehouse.resource import WarehouseResource

GROUP = DOMAIN.group

monitor_snapshots = DOMAIN.source("monitor_snapshots", SNAPSHOTS)
alert_rules = DOMAIN.source("alert_rules", RULES)

ACTIVE_COLUMNS = EVENTS.pick("id", "unit_id", "rule_name", "metric", "threshold_db", "onset_at",
                             "onset_value", "peak_value", "acknowledged_by")
PER_RULE_COLUMNS = ["rule_id", "unit_id", "name", "readings", "evaluated", "skipped_schedule",
                    "skipped_missing", "late", "onsets", "clears", "phase"]


@dg.asset(
    **DOMAIN.asset(EVENTS),
    deps=[monitor_snapshots, alert_rules],
    description="Sound-level alerts: every enabled rule runs over the monitor snapshots it has not seen "
                "yet; onsets and clears go to alert_events (with the rule's state in alert_state) and "
                "their webhook messages to the outbox, in one transaction.",
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
        "active_alerts": rows_table(active, ACTIVE_COLUMNS),
        "per_rule": rows_table(report.per_rule, PER_RULE_COLUMNS),
        **materialized(wh, EVENTS),
    })


@dg.asset(
    **DOMAIN.asset(OUTBOX, kinds=["http"]),
    deps=[alert_evaluation],
    description="POSTs queued alert onsets and clears to ALERT_WEBHOOK_URL with an idempotency key; retries "
                "with backoff. Never fails for a webhook that is down: the messages wait in the outbox.",
)
def alert_webhook_delivery(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                           alert_webhook: AlertWebhookResource) -> dg.MaterializeResult:
    from compliance_pipeline.outbox.metadata import delivery_step
    from compliance_pipeline.outbox.topics import ALERT_WEBHOOK

    _, metadata = delivery_step(context.log, warehouse.get(), topic=ALERT_WEBHOOK,
                                send=alert_webhook.sender(), settings="ALERT_WEBHOOK_URL")
    return dg.MaterializeResult(metadata=metadata)
