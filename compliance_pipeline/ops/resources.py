"""The operations webhook resource: OPS_WEBHOOK_URL, optional (unset = messages wait in the outbox)."""

from __future__ import annotations

import os

import dagster as dg

ENV_VAR = "OPS_WEBHOOK_URL"


class OpsWebhookResource(dg.ConfigurableResource):
    """Where failed runs, failed checks and late assets are POSTed as JSON. No URL: nothing is
    attempted and the messages wait in the outbox (topic ops_webhook), visible."""

    url: str | None = None

    def target(self) -> str | None:
        return self.url or None


def ops_webhook_resource() -> OpsWebhookResource:
    # EnvVar keeps the URL (which may carry a token) out of the UI; unset is a valid state.
    if os.environ.get(ENV_VAR):
        return OpsWebhookResource(url=dg.EnvVar(ENV_VAR))
    return OpsWebhookResource()
