"""The operations sensors: a failed run, a failed ERROR or blocking check -> one outbox message
(topic ops_webhook) and a delivery run; the freshness checks' own sensor."""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from compliance_pipeline.automation import sensor_status
from compliance_pipeline.ops import delivery, messages
from compliance_pipeline.ops.checks import freshness_checks
from compliance_pipeline.ops.jobs import ops_webhook_delivery_job
from compliance_pipeline.warehouse.resource import WarehouseResource

BATCH = 200  # check evaluations read per tick


def _delivery_run(key: str) -> dg.RunRequest:
    return dg.RunRequest(run_key=f"ops_webhook:{key}")


@dg.run_failure_sensor(name="ops_run_failure_sensor", request_job=ops_webhook_delivery_job,
                       minimum_interval_seconds=30, default_status=sensor_status(),
                       description="Every failed run of this code location -> one message to "
                                   "OPS_WEBHOOK_URL through the outbox (topic ops_webhook).")
def ops_run_failure_sensor(context: dg.RunFailureSensorContext, warehouse: WarehouseResource):
    run = context.dagster_run
    now = datetime.now(timezone.utc)
    key, payload = messages.run_failure(
        run_id=run.run_id, job=run.job_name, failed_at=now, partition=run.tags.get("dagster/partition"),
        error=context.failure_event.message)
    delivery.enqueue(warehouse.get(), [(key, payload)], now=now)
    if run.job_name == ops_webhook_delivery_job.name:
        # Never answer a failed delivery with another delivery run; the retry schedule sends it.
        return dg.SkipReason(f"queued {key}; the delivery job itself failed")
    return _delivery_run(key)


@dg.sensor(name="ops_check_failure_sensor", job=ops_webhook_delivery_job, minimum_interval_seconds=30,
           default_status=sensor_status(),
           description="Every failed asset check of ERROR severity or blocking (including the "
                       "freshness checks: a late asset) -> one message to OPS_WEBHOOK_URL through "
                       "the outbox. Cursor: the last check evaluation event read.")
def ops_check_failure_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    after = int(context.cursor) if context.cursor else _start_cursor(context.instance)
    entries = context.instance.event_log_storage.get_logs_for_all_runs_by_log_id(
        after_cursor=after, dagster_event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=BATCH)
    if not entries:
        context.update_cursor(str(after))
        return dg.SkipReason("no new check evaluations")
    queued = []
    for event_id, entry in sorted(entries.items()):
        evaluation = entry.dagster_event.event_specific_data
        severity = evaluation.severity.value
        if messages.needs_attention(passed=evaluation.passed, severity=severity,
                                    blocking=bool(evaluation.blocking)):
            queued.append(messages.check_failure(
                event_id=event_id, run_id=entry.run_id, asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name, severity=severity, blocking=bool(evaluation.blocking),
                partition=evaluation.partition or _run_partition(context.instance, entry.run_id),
                description=evaluation.description,
                evaluated_at=datetime.fromtimestamp(entry.timestamp, timezone.utc),
                freshness="freshness" in evaluation.check_name))
    context.update_cursor(str(max(entries)))
    now = datetime.now(timezone.utc)
    added = delivery.enqueue(warehouse.get(), queued, now=now)
    if not added:
        return dg.SkipReason(f"{len(entries)} check evaluation(s), none to report")
    return _delivery_run(f"checks:{max(entries)}")


def _run_partition(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """A check evaluated inside its asset's step names no partition: the run's partition is it."""
    run = instance.get_run_by_id(run_id)
    return run.tags.get("dagster/partition") if run else None


def _start_cursor(instance: dg.DagsterInstance) -> int:
    """A sensor started for the first time reports from now on, not the whole history."""
    latest = instance.event_log_storage.get_maximum_record_id()
    return int(latest or 0)


ops_freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=freshness_checks, name="ops_freshness_sensor", default_status=sensor_status(),
    minimum_interval_seconds=300)
