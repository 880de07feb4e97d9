"""The operations webhook resource: OPS_WEBHOOK_URL, optional (unset = messages wait in the outbox)."""

from __future__ import annotations

from compliance_pipeline.outbox.resources import WebhookResource

ENV_VAR = "OPS_WEBHOOK_URL"


class OpsWebhookResource(WebhookResource):
    """Where failed runs, failed checks and late assets are POSTed as JSON (topic ops_webhook)."""


def ops_webhook_resource() -> OpsWebhookResource:
    return OpsWebhookResource.from_env(ENV_VAR)
