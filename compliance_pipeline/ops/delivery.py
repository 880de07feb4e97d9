"""Queue and deliver operations messages through the shared outbox (the alert webhook's transport)."""

from __future__ import annotations

from datetime import datetime

from compliance_pipeline.ops.messages import TOPIC
from compliance_pipeline.outbox import enqueue_many
from compliance_pipeline.warehouse import Warehouse


def enqueue(warehouse: Warehouse, messages: list[tuple[str, dict]], *, now: datetime) -> int:
    """Queue the messages (a key already queued is skipped); returns how many were added."""
    if not messages:
        return 0
    with warehouse.transaction() as conn:
        return enqueue_many(conn, topic=TOPIC, messages=messages, now=now)
