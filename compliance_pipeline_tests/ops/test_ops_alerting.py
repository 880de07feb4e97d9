"""Operations alerting: a failed run and a failed ERROR check each become one message in the
outbox (topic ops_webhook), delivered once to a real local HTTP server."""

from __future__ import annotations

from datetime import date

import dagster as dg

from compliance_pipeline.budget_audit import demo
from compliance_pipeline.budget_audit.assets import budget_weekly_report
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.resources import BudgetAuditResource
from compliance_pipeline.ops import messages
from compliance_pipeline.ops.checks import freshness_checks
from compliance_pipeline.ops.jobs import ops_webhook_delivery_job
from compliance_pipeline.ops.resources import OpsWebhookResource
from compliance_pipeline.ops.sensors import ops_check_failure_sensor, ops_run_failure_sensor
from compliance_pipeline.outbox import list_messages
from compliance_pipeline.over_cap.jobs import remediate_over_cap_visits
from compliance_pipeline.warehouse.resource import WarehouseResource
from compliance_pipeline_tests.http_stub import HttpStub

ANCHOR = date(2025, 3, 16)
WEEK = "2025-03-03"  # the demo's high week: over the ceiling of a tiny tracker


def _deliver_twice(warehouse, url) -> None:
    resources = {"warehouse": WarehouseResource(url=warehouse.url.raw), "ops_webhook": OpsWebhookResource(url=url)}
    for _ in range(2):  # the second run finds nothing due: sent once
        assert ops_webhook_delivery_job.execute_in_process(resources=resources).success


def _ops_messages(warehouse):
    with warehouse.connect() as conn:
        return list_messages(conn, messages.TOPIC)


def test_a_failed_run_is_one_message_delivered_once(warehouse):
    wh = WarehouseResource(url=warehouse.url.raw)
    with dg.DagsterInstance.ephemeral() as instance:
        failed = remediate_over_cap_visits.execute_in_process(
            run_config={"dry_run": False, "plan_id": "no-such-plan"}, resources={"warehouse": wh},
            instance=instance, raise_on_error=False)
        assert not failed.success
        for _ in range(2):  # the sensor seeing the same failure twice queues it once
            with dg.build_run_status_sensor_context(
                    sensor_name=ops_run_failure_sensor.name, dagster_event=failed.get_run_failure_event(),
                    dagster_instance=instance, dagster_run=failed.dagster_run,
                    resources={"warehouse": wh}) as context:
                request = ops_run_failure_sensor(context.for_run_failure())
            assert request.run_key == f"ops_webhook:run_failure:{failed.run_id}"
    (message,) = _ops_messages(warehouse)
    assert message.payload["kind"] == "run_failure" and message.payload["job"] == "remediate_over_cap_visits"
    assert message.status == "pending"  # no URL configured yet: it waits, visible
    with HttpStub() as stub:
        _deliver_twice(warehouse, stub.url)
    assert len(stub.requests) == 1 and stub.requests[0].body["run_id"] == failed.run_id
    assert stub.requests[0].headers["Idempotency-Key"] == message.message_key
    assert [m.status for m in _ops_messages(warehouse)] == ["sent"]


def test_a_failed_error_check_is_one_message_delivered_once(warehouse, tmp_path):
    log = BudgetAuditLog(tmp_path)
    demo.load_demo(warehouse, seed=3, scale=1, anchor=ANCHOR, log=log)
    wh = WarehouseResource(url=warehouse.url.raw)
    tiny = BudgetAuditResource(audit_dir=str(tmp_path), capacity_kw=0.5)  # ceiling ~55 kWh a year
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([budget_weekly_report], partition_key=WEEK, instance=instance,
                                resources={"warehouse": wh, "budget_audit": tiny})
        assert result.success  # an ERROR check that is not blocking does not fail the run
        (check,) = result.get_asset_check_evaluations()
        assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
        with dg.build_sensor_context(instance=instance, cursor="0", resources={"warehouse": wh}) as context:
            request = ops_check_failure_sensor(context)
            assert isinstance(request, dg.RunRequest)
            again = ops_check_failure_sensor(context)  # the cursor moved: nothing new
            assert isinstance(again, dg.SkipReason)
    (message,) = _ops_messages(warehouse)
    assert message.payload["kind"] == "check_failure"
    assert message.payload["check"] == "budget_within_annual_ceiling" and message.payload["partition"] == WEEK
    with HttpStub() as stub:
        _deliver_twice(warehouse, stub.url)
    assert len(stub.requests) == 1 and stub.requests[0].body["asset"] == "budget_weekly_report"


def test_only_error_or_blocking_failures_page():
    assert messages.needs_attention(passed=False, severity="ERROR", blocking=False)
    assert messages.needs_attention(passed=False, severity="WARN", blocking=True)
    assert not messages.needs_attention(passed=False, severity="WARN", blocking=False)
    assert not messages.needs_attention(passed=True, severity="ERROR", blocking=True)


def test_freshness_checks_cover_the_daily_flags_and_the_weekly_report():
    keys = {key.asset_key.to_user_string() for checks in freshness_checks for key in checks.check_keys}
    assert keys == {"access_stimulation_flags", "budget_weekly_report"}
    for checks in freshness_checks:
        for spec in checks.check_specs:
            assert spec.metadata  # the deadline cron is recorded on the check
