"""Webhook delivery of queued alert messages (the shared outbox), separate from evaluation."""

from __future__ import annotations

from datetime import datetime

from compliance_pipeline.alerts.evaluation import TOPIC
from compliance_pipeline.outbox import OutboxMessage, SendResult, deliver_due, status_counts
from compliance_pipeline.outbox.http import post_json
from compliance_pipeline.warehouse import Warehouse

IDEMPOTENCY_HEADER = "Idempotency-Key"


def webhook_sender(url: str):
    """POST each message's payload; the key travels as a header so the receiver can drop repeats."""

    def send(message: OutboxMessage) -> SendResult:
        body = {**message.payload, "idempotency_key": message.message_key}
        return post_json(url, body, headers={IDEMPOTENCY_HEADER: message.message_key})

    return send


def deliver(warehouse: Warehouse, url: str | None, *, now: datetime) -> dict:
    """Send what is due; with no URL configured nothing is attempted and messages wait."""
    attempted = {"sent": 0, "retrying": 0, "failed": 0}
    if url:
        attempted = deliver_due(warehouse, topic=TOPIC, send=webhook_sender(url), now=now)
    with warehouse.connect() as conn:
        waiting = status_counts(conn, TOPIC)
    return {"webhook_configured": bool(url), "attempted": attempted, "outbox": waiting}
