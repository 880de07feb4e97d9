"""Delivery of queued alert messages from the outbox, separate from evaluation: an unset URL or a
webhook that is down leaves the messages waiting, nothing is lost. No Dagster here: the CLI uses it."""

from __future__ import annotations

from datetime import datetime

from compliance_pipeline.outbox import deliver_and_report
from compliance_pipeline.outbox.topics import ALERT_WEBHOOK
from compliance_pipeline.outbox.webhook import webhook_sender
from compliance_pipeline.warehouse import Warehouse


def deliver(warehouse: Warehouse, url: str | None, *, now: datetime) -> dict:
    """Send what is due (`compliance-pipeline alerts deliver`); with no URL nothing is attempted."""
    report = deliver_and_report(warehouse, topic=ALERT_WEBHOOK, send=webhook_sender(url) if url else None, now=now)
    return {"webhook_configured": report.configured, "attempted": report.attempted, "outbox": report.outbox}
