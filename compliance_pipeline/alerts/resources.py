"""The `alert_webhook` resource: ALERT_WEBHOOK_URL, optional (unset = messages wait in the outbox)."""

from __future__ import annotations

from compliance_pipeline.outbox.resources import WebhookResource

ENV_VAR = "ALERT_WEBHOOK_URL"


class AlertWebhookResource(WebhookResource):
    """Where onset/clear messages are POSTed as JSON. No URL: delivery is skipped, nothing lost."""


def alert_webhook_resource() -> AlertWebhookResource:
    return AlertWebhookResource.from_env(ENV_VAR)
