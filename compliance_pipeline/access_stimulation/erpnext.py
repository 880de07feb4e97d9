"""The `erpnext` resource and the delivery of queued ToDos to ERPNext's REST API."""

from __future__ import annotations

import os

import dagster as dg

from compliance_pipeline import outbox
from compliance_pipeline.outbox.http import post_json

ENV_URL, ENV_KEY, ENV_SECRET = "ERPNEXT_URL", "ERPNEXT_API_KEY", "ERPNEXT_API_SECRET"


class ERPNextResource(dg.ConfigurableResource):
    """ERPNext REST API. Any field unset -> not configured: ToDos wait in the outbox (visible)."""

    url: str | None = None
    api_key: str | None = None
    api_secret: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.url and self.api_key and self.api_secret)

    def send_todo(self, message: outbox.OutboxMessage) -> outbox.SendResult:
        """POST /api/resource/ToDo; ERPNext answers {"data": {"name": "..."}} (kept as remote_ref)."""
        return post_json(
            f"{self.url.rstrip('/')}/api/resource/ToDo",
            message.payload,
            headers={"Authorization": f"token {self.api_key}:{self.api_secret}"},
            ref_from=lambda body: (body.get("data") or {}).get("name"),
        )


def erpnext_resource() -> ERPNextResource:
    # EnvVar keeps the secret out of the UI's config view; a variable absent when the
    # definitions load leaves its field None (checked here, like the warehouse URL).
    fields = {name: dg.EnvVar(env) for name, env in
              (("url", ENV_URL), ("api_key", ENV_KEY), ("api_secret", ENV_SECRET)) if os.environ.get(env)}
    return ERPNextResource(**fields)
