"""The Dagster resource shape every webhook target shares: an optional URL read from one env var."""

from __future__ import annotations

import os

import dagster as dg


class WebhookResource(dg.ConfigurableResource):
    """Where outbox messages of one topic are POSTed as JSON. No URL: nothing is attempted and the
    messages wait in the outbox, visible."""

    url: str | None = None

    def target(self) -> str | None:
        return self.url or None

    def sender(self):
        """The function that POSTs a message to this URL, or None when no URL is set."""
        url = self.target()
        if url is None:
            return None
        from compliance_pipeline.outbox.webhook import webhook_sender  # the HTTP client: when sending

        return webhook_sender(url)

    @classmethod
    def from_env(cls, env_var: str) -> WebhookResource:
        # EnvVar keeps the URL (which may carry a token) out of the UI; unset is a valid state.
        return cls(url=dg.EnvVar(env_var)) if os.environ.get(env_var) else cls()
