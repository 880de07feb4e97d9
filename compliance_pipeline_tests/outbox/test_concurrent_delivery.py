"""Delivery passes at once (real `alerts deliver` processes) against a slow local server: every
message is POSTed exactly once (each pass claims what it sends). On DuckDB the passes take turns
with the file between their short transactions, so they interleave there too."""

from collections import Counter
from datetime import datetime, timezone

import pytest

from compliance_pipeline.outbox import enqueue, list_messages
from compliance_pipeline.outbox.topics import ALERT_WEBHOOK as TOPIC
from compliance_pipeline_tests.concurrency.processes import outputs_of, run_rounds, stderr_of
from compliance_pipeline_tests.http_stub import HttpStub

pytestmark = pytest.mark.slow
MESSAGES = 12


def test_delivery_passes_at_once_post_each_message_exactly_once(warehouse, tmp_path):
    # PostgreSQL: 2, 3, then 4 passes at once; DuckDB (one writing process: slow turns): 2 once.
    workers_per_round = [2, 3, 4] if warehouse.backend == "postgresql" else [2]
    now = datetime.now(timezone.utc)

    def queue_round(number):
        with warehouse.transaction() as conn:
            for i in range(MESSAGES):
                enqueue(conn, topic=TOPIC, key=f"round{number}:m{i}", payload={"i": i}, now=now)

    with HttpStub() as stub:
        stub.respond(200, delay_s=0.2)
        codes = run_rounds(
            tmp_path / "workers",
            [[["alerts", "deliver"] if w < n else None for w in range(max(workers_per_round))]
             for n in workers_per_round],
            env={"COMPLIANCE_WAREHOUSE_URL": warehouse.url.raw, "ALERT_WEBHOOK_URL": f"{stub.url}/hook",
                 "COMPLIANCE_HTTP_DEADLINE_S": "1", "COMPLIANCE_OUTBOX_LEASE_S": "10"},
            before_round=queue_round)
        posts = Counter(r.headers["Idempotency-Key"] for r in stub.requests)
    assert codes == [[0] * max(workers_per_round)] * len(workers_per_round), stderr_of(tmp_path / "workers")
    keys = [f"round{r}:m{i}" for r in range(len(workers_per_round)) for i in range(MESSAGES)]
    assert posts == Counter(keys)  # exactly once each
    with warehouse.connect() as conn:
        assert {m.status for m in list_messages(conn, TOPIC)} == {"sent"}
    sent_by_pass = [out["attempted"]["sent"] for w in range(max(workers_per_round)) for out in outputs_of(
        tmp_path / "workers", w)]
    assert sum(sent_by_pass) == len(keys) and sum(1 for n in sent_by_pass if n) >= 2  # the passes shared the work
