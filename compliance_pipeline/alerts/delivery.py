"""Webhook delivery of queued alert messages (the shared outbox), separate from evaluation."""

from __future__ import annotations

from datetime import datetime

from compliance_pipeline.alerts.evaluation import TOPIC
from compliance_pipeline.outbox import DeliveryReport, OutboxMessage, SendResult, deliver_and_report
from compliance_pipeline.outbox.http import post_json
from compliance_pipeline.warehouse import Warehouse

IDEMPOTENCY_HEADER = "Idempotency-Key"


def webhook_sender(url: str):
    """POST each message's payload; the key travels as a header so the receiver can drop repeats."""

    def send(message: OutboxMessage) -> SendResult:
        body = {**message.payload, "idempotency_key": message.message_key}
        return post_json(url, body, headers={IDEMPOTENCY_HEADER: message.message_key})

    return send


def deliver_report(warehouse: Warehouse, url: str | None, *, now: datetime) -> DeliveryReport:
    """Send what is due; with no URL configured nothing is attempted and messages wait."""
    return deliver_and_report(warehouse, topic=TOPIC, send=webhook_sender(url) if url else None, now=now)


def deliver(warehouse: Warehouse, url: str | None, *, now: datetime) -> dict:
    """deliver_report as the JSON `compliance-pipeline alerts deliver` prints."""
    report = deliver_report(warehouse, url, now=now)
    return {"webhook_configured": report.configured, "attempted": report.attempted, "outbox": report.outbox}
