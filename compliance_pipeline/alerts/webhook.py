"""The `alert_webhook` resource (ALERT_WEBHOOK_URL, optional) and the delivery of queued alert
messages from the outbox, separate from evaluation: an unset URL or a webhook that is down leaves
the messages waiting, nothing is lost."""

from __future__ import annotations

import os
from datetime import datetime

import dagster as dg

from compliance_pipeline.outbox import deliver_and_report
from compliance_pipeline.outbox.topics import ALERT_WEBHOOK
from compliance_pipeline.outbox.webhook import IDEMPOTENCY_HEADER, webhook_sender
from compliance_pipeline.warehouse import Warehouse

__all__ = ["IDEMPOTENCY_HEADER", "AlertWebhookResource", "alert_webhook_resource", "deliver", "webhook_sender"]

ENV_VAR = "ALERT_WEBHOOK_URL"


class AlertWebhookResource(dg.ConfigurableResource):
    """Where onset/clear messages are POSTed as JSON. No URL: delivery is skipped, nothing lost."""

    url: str | None = None

    def target(self) -> str | None:
        return self.url or None


def alert_webhook_resource() -> AlertWebhookResource:
    # EnvVar keeps the URL (which may carry a token) out of the UI; unset is a valid state.
    if os.environ.get(ENV_VAR):
        return AlertWebhookResource(url=dg.EnvVar(ENV_VAR))
    return AlertWebhookResource()


def deliver(warehouse: Warehouse, url: str | None, *, now: datetime) -> dict:
    """Send what is due (`compliance-pipeline alerts deliver`); with no URL nothing is attempted."""
    report = deliver_and_report(warehouse, topic=ALERT_WEBHOOK, send=webhook_sender(url) if url else None, now=now)
    return {"webhook_configured": report.configured, "attempted": report.attempted, "outbox": report.outbox}
