"""Webhook delivery of queued alert messages (the shared outbox), separate from evaluation."""

from __future__ import annotations

from datetime import datetime

from compliance_pipeline.outbox import DeliveryReport, deliver_and_report
from compliance_pipeline.outbox.topics import ALERT_WEBHOOK
from compliance_pipeline.outbox.webhook import IDEMPOTENCY_HEADER, webhook_sender
from compliance_pipeline.warehouse import Warehouse

__all__ = ["IDEMPOTENCY_HEADER", "deliver", "deliver_report", "webhook_sender"]


def deliver_report(warehouse: Warehouse, url: str | None, *, now: datetime) -> DeliveryReport:
    """Send what is due; with no URL configured nothing is attempted and messages wait."""
    return deliver_and_report(warehouse, topic=ALERT_WEBHOOK, send=webhook_sender(url) if url else None, now=now)


def deliver(warehouse: Warehouse, url: str | None, *, now: datetime) -> dict:
    """deliver_report as the JSON `compliance-pipeline alerts deliver` prints."""
    report = deliver_report(warehouse, url, now=now)
    return {"webhook_configured": report.configured, "attempted": report.attempted, "outbox": report.outbox}
