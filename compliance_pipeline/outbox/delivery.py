"""Deliver due outbox messages with a caller-supplied transport; never raise for remote trouble."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from compliance_pipeline.outbox import store
from compliance_pipeline.warehouse import Warehouse

BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class SendResult:
    """What the transport saw. permanent=True (a 4xx) stops retries; ok=True records remote_ref."""

    ok: bool
    remote_ref: str | None = None
    error: str | None = None
    permanent: bool = False


def backoff(attempts_so_far: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 1 hour."""
    return min(BASE_BACKOFF * (2 ** attempts_so_far), MAX_BACKOFF)


def deliver_due(
    warehouse: Warehouse,
    *,
    topic: str,
    send: Callable[[store.OutboxMessage], SendResult],
    now: datetime,
    limit: int = 500,
) -> dict[str, int]:
    """Send each due message once; record its outcome right away (one short commit each),
    so a crash mid-batch can at worst resend the one message in flight."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    with warehouse.connect() as conn:
        due = store.due_messages(conn, topic, now, limit)
    for message in due:
        try:
            result = send(message)
        except Exception as exc:  # transport bug or network error: keep the message, retry later
            result = SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        error = (result.error or "")[:MAX_ERROR_CHARS]
        with warehouse.transaction() as conn:
            if result.ok:
                store.record_sent(conn, message.id, now, result.remote_ref, error or None)
                counts["sent"] += 1
            elif result.permanent:
                store.record_failed(conn, message.id, now, error)
                counts["failed"] += 1
            else:
                store.record_retry(conn, message.id, now, now + backoff(message.attempts), error)
                counts["retrying"] += 1
    return counts
