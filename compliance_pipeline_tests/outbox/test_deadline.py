"""Every HTTP call has a total deadline and a pass gives up on a receiver that keeps failing:
a dripping or hanging server costs seconds; the messages stay pending with the attempt recorded."""

import time
from datetime import datetime, timedelta, timezone

import pytest

from compliance_pipeline.errors import InputError
from compliance_pipeline.outbox import DeliverySettings, deliver_due, enqueue, list_messages, store
from compliance_pipeline.outbox.http import post_json
from compliance_pipeline_tests.http_stub import HttpStub

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
DEADLINE_S, BREAKER = 0.5, 2
# The pass's own database work on a loaded 2-core machine; far below what an unbounded
# call costs here (the dripping server's answer takes 200 s, the hanging one's forever).
SLACK_S = 3.0


@pytest.fixture
def limits(monkeypatch):
    monkeypatch.setenv("COMPLIANCE_HTTP_DEADLINE_S", str(DEADLINE_S))
    monkeypatch.setenv("COMPLIANCE_HTTP_BREAKER_FAILURES", str(BREAKER))


def _queue(warehouse, n):
    with warehouse.transaction() as conn:
        for i in range(n):
            enqueue(conn, topic="t", key=f"k{i}", payload={"n": i}, now=T0)


def _timed_pass(warehouse, stub):
    started = time.monotonic()
    counts = deliver_due(warehouse, topic="t", send=lambda m: post_json(f"{stub.url}/hook", m.payload), now=T0)
    return counts, time.monotonic() - started


@pytest.mark.parametrize("server", ["hanging", "dripping_503"])
def test_a_hanging_or_dripping_server_costs_the_breaker_times_the_deadline(warehouse, limits, server):
    _queue(warehouse, 5)
    with HttpStub() as stub:
        if server == "hanging":
            stub.hang()
        else:
            stub.drip(503, every_s=0.2)
        counts, seconds = _timed_pass(warehouse, stub)
        assert len(stub.requests) == BREAKER  # the breaker opened: the rest were not tried
    assert counts == {"sent": 0, "retrying": BREAKER, "failed": 0, "deferred": 5 - BREAKER}
    assert BREAKER * DEADLINE_S <= seconds < BREAKER * DEADLINE_S + SLACK_S
    with warehouse.connect() as conn:
        messages = list_messages(conn, "t")
    assert {m.status for m in messages} == {"pending"}
    assert [m.attempts for m in messages] == [1] * BREAKER + [0] * (5 - BREAKER)
    assert all("within 0.5 s" in m.last_error and m.next_attempt_at > T0 for m in messages[:BREAKER])
    assert all(m.claimed_by is None for m in messages)  # nothing stays leased after the pass


def test_a_2xx_whose_body_drips_is_sent_once_and_still_opens_the_breaker(warehouse, limits):
    """The receiver accepted: retrying would create its record twice. It still cost a deadline."""
    _queue(warehouse, 3)
    with HttpStub() as stub:
        stub.drip(201, every_s=0.2)
        counts, seconds = _timed_pass(warehouse, stub)
        assert len(stub.requests) == BREAKER
    assert counts == {"sent": BREAKER, "retrying": 0, "failed": 0, "deferred": 3 - BREAKER}
    assert seconds < BREAKER * DEADLINE_S + SLACK_S
    with warehouse.connect() as conn:
        messages = list_messages(conn, "t")
    assert [m.status for m in messages] == ["sent"] * BREAKER + ["pending"] * (3 - BREAKER)
    assert "accepted, remote id unknown" in messages[0].last_error


def test_a_slow_but_complete_answer_inside_the_deadline_is_sent(warehouse, limits):
    _queue(warehouse, 2)
    with HttpStub() as stub:
        stub.respond(200, delay_s=0.3)
        counts, _ = _timed_pass(warehouse, stub)
    assert counts == {"sent": 2, "retrying": 0, "failed": 0, "deferred": 0}


def test_a_crashed_pass_leaves_its_claims_to_expire_then_they_are_sent(warehouse):
    _queue(warehouse, 2)
    lease = timedelta(seconds=60)
    with warehouse.transaction() as conn:  # a pass claims both messages, then dies
        claimed = store.claim_due(conn, "t", T0, "dead-pass", 10, due_at=T0, lease=lease)
    assert [m.message_key for m in claimed] == ["k0", "k1"]
    with HttpStub() as stub:
        def send(message):
            return post_json(stub.url, message.payload)

        assert deliver_due(warehouse, topic="t", send=send, now=T0 + timedelta(seconds=30))["sent"] == 0
        assert deliver_due(warehouse, topic="t", send=send, now=T0 + lease)["sent"] == 2
        assert len(stub.requests) == 2


@pytest.mark.parametrize(("name", "value"), [
    ("COMPLIANCE_HTTP_DEADLINE_S", "soon"), ("COMPLIANCE_HTTP_DEADLINE_S", "0"),
    ("COMPLIANCE_HTTP_DEADLINE_S", "nan"), ("COMPLIANCE_HTTP_BREAKER_FAILURES", "2.5"),
    ("COMPLIANCE_HTTP_BREAKER_FAILURES", "0"), ("COMPLIANCE_OUTBOX_LEASE_S", "5")])
def test_bad_limits_are_refused_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=name):
        DeliverySettings.from_env()
