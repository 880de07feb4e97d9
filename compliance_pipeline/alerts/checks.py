"""Asset checks: stored rules that would not be evaluated, webhook messages that need a person."""

import dagster as dg

from compliance_pipeline.alerts.assets import alert_evaluation, alert_webhook_delivery
from compliance_pipeline.warehouse.resource import WarehouseResource


@dg.asset_check(asset=alert_evaluation, description="Every enabled rule in alert_rules passes validation "
                "(a row written behind the CLI's back with a bad field is skipped by the pass).")
def alert_rules_valid(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from compliance_pipeline.alerts import storage
    from compliance_pipeline.alerts.rules import split_valid

    with warehouse.get().connect() as conn:
        rows = storage.enabled_rule_rows(conn)
    _, invalid = split_valid(rows)
    return dg.AssetCheckResult(passed=not invalid, metadata={
        "enabled_rules": dg.MetadataValue.int(len(rows)), "invalid": dg.MetadataValue.json(invalid)})


@dg.asset_check(asset=alert_webhook_delivery, description="No alert webhook message was refused (4xx) "
                "by the receiver; refused messages are kept in the outbox with the answer.")
def alert_webhook_nothing_refused(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from compliance_pipeline.outbox import status_counts
    from compliance_pipeline.outbox.topics import ALERT_WEBHOOK as TOPIC

    with warehouse.get().connect() as conn:
        counts = status_counts(conn, TOPIC)
    return dg.AssetCheckResult(passed=counts["failed"] == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={k: dg.MetadataValue.int(v) for k, v in counts.items()})
