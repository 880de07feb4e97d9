"""One delivery step's outcome plus the outbox's state afterwards: what a delivery asset shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from compliance_pipeline.outbox import store
from compliance_pipeline.outbox.delivery import SendResult, deliver_due
from compliance_pipeline.warehouse import Warehouse

NOTHING_ATTEMPTED = {"sent": 0, "retrying": 0, "failed": 0, "deferred": 0}


@dataclass(frozen=True)
class DeliveryReport:
    configured: bool  # False: no target configured, nothing was attempted, messages wait
    attempted: dict[str, int]  # this run: sent / retrying / failed / deferred (left by the breaker)
    outbox: dict[str, int]  # the topic afterwards: pending / sent / failed
    oldest_pending_created_at: datetime | None
    failed: list[store.OutboxMessage]


def deliver_and_report(warehouse: Warehouse, *, topic: str,
                       send: Callable[[store.OutboxMessage], SendResult] | None,
                       now: datetime) -> DeliveryReport:
    """Send what is due (send=None: the target is not configured, so nothing is attempted)."""
    attempted = dict(NOTHING_ATTEMPTED) if send is None else deliver_due(
        warehouse, topic=topic, send=send, now=now)
    with warehouse.connect() as conn:
        return DeliveryReport(
            configured=send is not None,
            attempted=attempted,
            outbox=store.status_counts(conn, topic),
            oldest_pending_created_at=store.oldest_pending_created_at(conn, topic),
            failed=store.list_messages(conn, topic, status="failed"),
        )
