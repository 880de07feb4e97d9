"""Delivery passes at once on PostgreSQL (real `alerts deliver` processes) against a slow local
server: every message is POSTed exactly once (each pass claims what it sends)."""

from collections import Counter
from datetime import datetime, timezone

from compliance_pipeline.alerts.evaluation import TOPIC
from compliance_pipeline.outbox import enqueue, list_messages
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.schema import init_schema
from compliance_pipeline_tests.concurrency.processes import run_rounds, stderr_of
from compliance_pipeline_tests.http_stub import HttpStub

MESSAGES = 12
WORKERS_PER_ROUND = [2, 3, 4]


def test_delivery_passes_at_once_post_each_message_exactly_once(pg_url, tmp_path):
    warehouse = Warehouse(pg_url)
    init_schema(warehouse)
    now = datetime.now(timezone.utc)

    def queue_round(number):
        with warehouse.transaction() as conn:
            for i in range(MESSAGES):
                enqueue(conn, topic=TOPIC, key=f"round{number}:m{i}", payload={"i": i}, now=now)

    with HttpStub() as stub:
        stub.respond(200, delay_s=0.2)
        codes = run_rounds(
            tmp_path,
            [[["alerts", "deliver"] if w < n else None for w in range(max(WORKERS_PER_ROUND))]
             for n in WORKERS_PER_ROUND],
            # Short deadline and lease: one message per claim, so the passes interleave.
            env={"COMPLIANCE_WAREHOUSE_URL": pg_url, "ALERT_WEBHOOK_URL": f"{stub.url}/hook",
                 "COMPLIANCE_HTTP_DEADLINE_S": "1", "COMPLIANCE_OUTBOX_LEASE_S": "2"},
            before_round=queue_round)
        posts = Counter(r.headers["Idempotency-Key"] for r in stub.requests)
    assert codes == [[0] * max(WORKERS_PER_ROUND)] * len(WORKERS_PER_ROUND), stderr_of(tmp_path)
    keys = [f"round{r}:m{i}" for r in range(len(WORKERS_PER_ROUND)) for i in range(MESSAGES)]
    assert posts == Counter(keys)  # exactly once each
    with warehouse.connect() as conn:
        assert {m.status for m in list_messages(conn, TOPIC)} == {"sent"}
