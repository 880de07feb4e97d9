"""Asset checks: stored rules that would not be evaluated, webhook messages that need a person."""

import dagster as dg

from compliance_pipeline.alerts.assets import alert_evaluation, alert_webhook_delivery
from compliance_pipeline.warehouse.resource import WarehouseResource


@dg.asset_check(asset=alert_evaluation, description="Every enabled rule in alert_rules passes validation "
                "(a row written behind the CLI's back with a bad field is skipped by the pass).")
def alert_rules_valid(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from compliance_pipeline.alerts import storage
    from compliance_pipeline.alerts.rules import validate_rule
    from compliance_pipeline.errors import InputError

    with warehouse.get().connect() as conn:
        rows = storage.enabled_rule_rows(conn)
    invalid = []
    for row in rows:
        rule_id = row.pop("id")
        try:
            validate_rule(row, rule_id=rule_id)
        except InputError as exc:
            invalid.append({"rule_id": rule_id, "error": str(exc)})
    return dg.AssetCheckResult(passed=not invalid, metadata={
        "enabled_rules": dg.MetadataValue.int(len(rows)), "invalid": dg.MetadataValue.json(invalid)})


@dg.asset_check(asset=alert_webhook_delivery, description="No alert webhook message was refused (4xx) "
                "by the receiver; refused messages are kept in the outbox with the answer.")
def alert_webhook_nothing_refused(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from compliance_pipeline.alerts.evaluation import TOPIC
    from compliance_pipeline.outbox import status_counts

    with warehouse.get().connect() as conn:
        counts = status_counts(conn, TOPIC)
    return dg.AssetCheckResult(passed=counts["failed"] == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={k: dg.MetadataValue.int(v) for k, v in counts.items()})
