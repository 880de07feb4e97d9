"""The alert webhook resource: ALERT_WEBHOOK_URL, optional (unset = messages wait in the outbox)."""

from __future__ import annotations

import os

import dagster as dg

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
