"""Webhook delivery through the outbox, the Dagster assets, and the sensor on a real instance."""

from datetime import timedelta

import dagster as dg

from compliance_pipeline.alerts.assets import alert_evaluation, alert_webhook_delivery
from compliance_pipeline.alerts.checks import alert_rules_valid, alert_webhook_nothing_refused
from compliance_pipeline.alerts.evaluation import evaluate_pass
from compliance_pipeline.alerts.resources import AlertWebhookResource
from compliance_pipeline.alerts.sensors import monitor_snapshot_sensor
from compliance_pipeline.alerts.webhook import deliver
from compliance_pipeline.outbox.webhook import IDEMPOTENCY_HEADER
from compliance_pipeline.warehouse.resource import WarehouseResource
from compliance_pipeline_tests.alerts.helpers import NOW, T0, add_rule, add_snapshots, events
from compliance_pipeline_tests.http_stub import HttpStub


def test_webhook_down_keeps_messages_and_up_delivers_each_once(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [75, 60])
    evaluate_pass(warehouse, now=NOW)
    stub = HttpStub().start()
    url = f"{stub.url}/alerts"
    stub.stop()
    down = deliver(warehouse, url, now=NOW)
    assert down["attempted"]["retrying"] == 2 and down["outbox"]["pending"] == 2
    stub.start()
    try:
        later = NOW + timedelta(hours=2)
        assert deliver(warehouse, url, now=later)["attempted"]["sent"] == 2
        assert deliver(warehouse, url, now=later + timedelta(hours=2))["attempted"]["sent"] == 0
        assert [r.body["kind"] for r in stub.requests] == ["onset", "clear"]
        onset = stub.requests[0]
        assert onset.headers[IDEMPOTENCY_HEADER] == onset.body["idempotency_key"]
        assert onset.body["event_id"] == events(warehouse)[0]["id"] and onset.body["value"] == 75.0
    finally:
        stub.stop()


def test_no_webhook_url_means_messages_wait(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [75])
    evaluate_pass(warehouse, now=NOW)
    result = deliver(warehouse, None, now=NOW)
    assert result["webhook_configured"] is False and result["outbox"]["pending"] == 1


def test_materializing_evaluation_then_delivery_reports_counts(warehouse):
    add_rule(warehouse, duration_s=0)
    add_snapshots(warehouse, "u1", [75, 80, None])
    with HttpStub() as stub:
        result = dg.materialize(
            [alert_evaluation, alert_webhook_delivery, alert_rules_valid, alert_webhook_nothing_refused],
            resources={"warehouse": WarehouseResource(url=warehouse.url.raw),
                       "alert_webhook": AlertWebhookResource(url=stub.url)})
        assert result.success
        evaluation = result.asset_materializations_for_node("alert_evaluation")[0].metadata
        assert evaluation["readings_processed"].value == 3
        assert evaluation["skipped_missing_value"].value == 1
        assert evaluation["events_opened"].value == 1
        assert [r.data["unit_id"] for r in evaluation["active_alerts"].records] == ["u1"]
        delivery = result.asset_materializations_for_node("alert_webhook_delivery")[0].metadata
        assert delivery["this_run_sent"].value == 1 and len(stub.requests) == 1
        checks = result.get_asset_check_evaluations()
        assert len(checks) == 2 and all(check.passed for check in checks)


def test_sensor_requests_one_run_per_newest_snapshot_and_keeps_its_cursor(warehouse):
    resources = {"warehouse": WarehouseResource(url=warehouse.url.raw)}

    def tick(cursor=None):
        # WarehouseResource has a lifecycle (it may hold a session in runs), so the context is
        # entered, as Dagster's own sensor evaluation does.
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
            return monitor_snapshot_sensor(context), context.cursor

    with dg.DagsterInstance.ephemeral() as instance:
        empty, _ = tick()
        assert isinstance(empty, dg.SkipReason)
        add_snapshots(warehouse, "u1", [60, 61])
        request, cursor = tick()
        newest = (T0 + timedelta(minutes=1)).isoformat()
        assert isinstance(request, dg.RunRequest) and request.run_key == newest
        assert cursor.startswith(newest + "|")
        again, _ = tick(cursor)
        assert isinstance(again, dg.SkipReason)
        add_snapshots(warehouse, "u1", [62], offset=2)
        later, cursor = tick(cursor)
        assert later.run_key == (T0 + timedelta(minutes=2)).isoformat()
        add_snapshots(warehouse, "u1", [50], offset=-5)  # late: the newest observed_at does not move
        late, late_cursor = tick(cursor)
        assert isinstance(late, dg.RunRequest) and late.run_key.startswith(later.run_key + "|late|")
        assert isinstance(tick(late_cursor)[0], dg.SkipReason)
        # A cursor stored before arrival ids (the bare timestamp) is taken over without a run.
        newest_now = (T0 + timedelta(minutes=2)).isoformat()
        assert isinstance(tick(newest_now)[0], dg.SkipReason)
