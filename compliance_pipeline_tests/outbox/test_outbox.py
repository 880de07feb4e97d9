from datetime import datetime, timedelta, timezone

import pytest

from compliance_pipeline.outbox import deliver_due, enqueue, list_messages, status_counts
from compliance_pipeline.outbox.http import post_json
from compliance_pipeline_tests.http_stub import HttpStub

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _send_to(stub):
    return lambda message: post_json(f"{stub.url}/hook", message.payload,
                                     ref_from=lambda body: body["data"]["name"])


def test_enqueue_is_idempotent_on_topic_and_key(warehouse):
    with warehouse.transaction() as conn:
        assert enqueue(conn, topic="t", key="k1", payload={"a": 1}, now=T0)
        assert not enqueue(conn, topic="t", key="k1", payload={"a": 2}, now=T0)
        assert enqueue(conn, topic="other", key="k1", payload={"a": 3}, now=T0)
    with warehouse.connect() as conn:
        assert [m.payload for m in list_messages(conn, "t")] == [{"a": 1}]


def test_down_then_up_delivers_exactly_once(warehouse):
    stub = HttpStub().start()
    send = _send_to(stub)
    stub.stop()  # the other side is down
    with warehouse.transaction() as conn:
        enqueue(conn, topic="t", key="k1", payload={"n": 1}, now=T0)
    assert deliver_due(warehouse, topic="t", send=send, now=T0) == {"sent": 0, "retrying": 1, "failed": 0, "deferred": 0}
    with warehouse.connect() as conn:
        (message,) = list_messages(conn, "t")
    assert message.status == "pending" and message.attempts == 1 and message.last_error
    assert message.next_attempt_at > T0
    # Not due yet: nothing is attempted.
    assert deliver_due(warehouse, topic="t", send=send, now=T0 + timedelta(seconds=1))["retrying"] == 0
    stub.start()
    later = T0 + timedelta(hours=2)
    assert deliver_due(warehouse, topic="t", send=send, now=later) == {"sent": 1, "retrying": 0, "failed": 0, "deferred": 0}
    assert deliver_due(warehouse, topic="t", send=send, now=later) == {"sent": 0, "retrying": 0, "failed": 0, "deferred": 0}
    stub.stop()
    assert len(stub.requests) == 1 and stub.requests[0].body == {"n": 1}
    with warehouse.connect() as conn:
        (message,) = list_messages(conn, "t")
        assert (message.status, message.remote_ref) == ("sent", "TODO-0001")
        assert status_counts(conn, "t") == {"pending": 0, "sent": 1, "failed": 0}


def test_4xx_is_kept_as_failed_with_the_response_text(warehouse):
    with warehouse.transaction() as conn:
        enqueue(conn, topic="t", key="k1", payload={}, now=T0)
    with HttpStub() as stub:
        stub.respond(403, {"exc": "Not permitted"})
        assert deliver_due(warehouse, topic="t", send=_send_to(stub), now=T0)["failed"] == 1
    with warehouse.connect() as conn:
        (message,) = list_messages(conn, "t")
    assert message.status == "failed" and "403" in message.last_error and "Not permitted" in message.last_error


@pytest.mark.parametrize("body", [[], {"data": None}, {"unexpected": 1}])
def test_2xx_without_an_id_is_sent_once_never_retried(warehouse, body):
    with warehouse.transaction() as conn:
        enqueue(conn, topic="t", key="k1", payload={}, now=T0)
    with HttpStub() as stub:
        stub.respond(201, body)
        send = _send_to_erpnext_like(stub)
        assert deliver_due(warehouse, topic="t", send=send, now=T0)["sent"] == 1
        assert deliver_due(warehouse, topic="t", send=send, now=T0 + timedelta(hours=2))["sent"] == 0
        assert len(stub.requests) == 1
    with warehouse.connect() as conn:
        (message,) = list_messages(conn, "t")
    assert message.status == "sent" and message.remote_ref is None
    assert "remote id unknown" in message.last_error


def _send_to_erpnext_like(stub):
    # The ERPNext resource's own extractor, which fails on a list body.
    return lambda message: post_json(f"{stub.url}/hook", message.payload,
                                     ref_from=lambda body: (body.get("data") or {}).get("name"))
