"""Deliver due outbox messages with a caller-supplied transport; never raise for remote trouble.

A pass claims what it will send (a lease, see store.claim_due), so passes running at once
never send one message twice; a pass that dies leaves its claim to expire, and the next pass
sends that message again (at-least-once only after a crash mid-send).
A pass stops after a few consecutive network failures (its one receiver is down or hanging)
and leaves the rest pending for the next pass.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from compliance_pipeline.outbox import store
from compliance_pipeline.outbox.settings import DeliverySettings
from compliance_pipeline.redact import mask_secrets
from compliance_pipeline.warehouse import Connection, Warehouse

BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class SendResult:
    """What the transport saw. permanent=True (a 4xx) stops retries; ok=True records remote_ref.
    network_failure: no complete answer in time (counts towards the pass's circuit breaker)."""

    ok: bool
    remote_ref: str | None = None
    error: str | None = None
    permanent: bool = False
    network_failure: bool = False


def backoff(attempts_so_far: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 1 hour."""
    return min(BASE_BACKOFF * (2 ** attempts_so_far), MAX_BACKOFF)


def pass_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_due(
    warehouse: Warehouse,
    *,
    topic: str,
    send: Callable[[store.OutboxMessage], SendResult],
    now: datetime,
    limit: int = 500,
    settings: DeliverySettings | None = None,
) -> dict[str, int]:
    """Send each due message once. Claims one message at a time, in the same short transaction
    that records the previous message's outcome: a lease only has to outlast one call and one
    commit, and a crash leaves at most the message in flight to be sent again.
    Returns counts: sent / retrying / failed, and deferred (due messages left pending because
    the circuit breaker opened)."""
    settings = settings or DeliverySettings.from_env()
    claimer, started = pass_id(), time.monotonic()
    lease = timedelta(seconds=settings.lease_s)
    counts = {"sent": 0, "retrying": 0, "failed": 0, "deferred": 0}
    failures_in_a_row, outcome = 0, None
    while True:
        with warehouse.transaction() as conn:
            if outcome is not None:
                counts[_record(conn, *outcome, now)] += 1
                outcome = None
            breaker_open = failures_in_a_row >= settings.breaker_failures
            if breaker_open or counts["sent"] + counts["retrying"] + counts["failed"] >= limit:
                claimed = []
            else:
                # The lease runs on the caller's clock (`now`) advanced by the time this pass has taken.
                clock = now + timedelta(seconds=time.monotonic() - started)
                claimed = store.claim_due(conn, topic, clock, claimer, 1, due_at=now, lease=lease)
            if breaker_open:
                counts["deferred"] = store.due_count(conn, topic, now)
        if not claimed:
            return counts
        result = _send_once(send, claimed[0])
        failures_in_a_row = failures_in_a_row + 1 if result.network_failure else 0
        outcome = (claimed[0], result)


def _send_once(send: Callable[[store.OutboxMessage], SendResult], message: store.OutboxMessage) -> SendResult:
    try:
        return send(message)
    except Exception as exc:  # transport bug or network error: keep the message, retry later
        return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}", network_failure=True)


def _record(conn: Connection, message: store.OutboxMessage, result: SendResult, now: datetime) -> str:
    error = mask_secrets(result.error or "")[:MAX_ERROR_CHARS]  # e.g. a webhook URL's ?token=
    if result.ok:
        store.record_sent(conn, message.id, now, result.remote_ref, error or None)
        return "sent"
    if result.permanent:
        store.record_failed(conn, message.id, now, error)
        return "failed"
    store.record_retry(conn, message.id, now, now + backoff(message.attempts), error)
    return "retrying"
