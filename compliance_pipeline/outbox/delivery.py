"""Deliver due outbox messages with a caller-supplied transport; never raise for remote trouble.

A pass claims what it will send (a lease, see store.claim_due) a batch at a time, so passes
running at once never send one message twice; a pass that dies leaves its claims to expire,
and the next pass sends those messages again (at-least-once only after a crash mid-send).
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
from compliance_pipeline.warehouse import Warehouse

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
    """Send each due message once; record its outcome right away (one short commit each).
    Returns counts: sent / retrying / failed, and deferred (due messages left pending because
    the circuit breaker opened)."""
    settings = settings or DeliverySettings.from_env()
    claimer, started = pass_id(), time.monotonic()
    counts = {"sent": 0, "retrying": 0, "failed": 0, "deferred": 0}
    failures_in_a_row = 0
    while (attempted := counts["sent"] + counts["retrying"] + counts["failed"]) < limit:
        # The lease runs on the caller's clock (`now`) advanced by the time this pass has taken.
        elapsed = time.monotonic() - started
        with warehouse.transaction() as conn:
            batch = store.claim_due(conn, topic, now + timedelta(seconds=elapsed), claimer,
                                    min(settings.batch_size, limit - attempted),
                                    due_at=now, lease=timedelta(seconds=settings.lease_s))
        if not batch:
            break
        claimed_at = time.monotonic()
        for index, message in enumerate(batch):
            lease_left = settings.lease_s - (time.monotonic() - claimed_at)
            if failures_in_a_row >= settings.breaker_failures or lease_left < settings.deadline_s:
                with warehouse.transaction() as conn:
                    store.release(conn, [m.id for m in batch[index:]], claimer)
                break
            result = _send_once(send, message)
            failures_in_a_row = failures_in_a_row + 1 if result.network_failure else 0
            counts[_record(warehouse, message, result, now)] += 1
        if failures_in_a_row >= settings.breaker_failures:
            with warehouse.connect() as conn:
                counts["deferred"] = store.due_count(conn, topic, now)
            break
    return counts


def _send_once(send: Callable[[store.OutboxMessage], SendResult], message: store.OutboxMessage) -> SendResult:
    try:
        return send(message)
    except Exception as exc:  # transport bug or network error: keep the message, retry later
        return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}", network_failure=True)


def _record(warehouse: Warehouse, message: store.OutboxMessage, result: SendResult, now: datetime) -> str:
    error = mask_secrets(result.error or "")[:MAX_ERROR_CHARS]  # e.g. a webhook URL's ?token=
    with warehouse.transaction() as conn:
        if result.ok:
            store.record_sent(conn, message.id, now, result.remote_ref, error or None)
            return "sent"
        if result.permanent:
            store.record_failed(conn, message.id, now, error)
            return "failed"
        store.record_retry(conn, message.id, now, now + backoff(message.attempts), error)
        return "retrying"
