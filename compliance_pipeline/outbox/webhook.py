"""A JSON webhook as an outbox transport (alert and operations webhooks share it)."""

from __future__ import annotations

from compliance_pipeline.outbox.delivery import SendResult
from compliance_pipeline.outbox.http import post_json
from compliance_pipeline.outbox.store import OutboxMessage

IDEMPOTENCY_HEADER = "Idempotency-Key"


def webhook_sender(url: str):
    """POST each message's payload; the key travels as a header so the receiver can drop repeats."""

    def send(message: OutboxMessage) -> SendResult:
        body = {**message.payload, "idempotency_key": message.message_key}
        return post_json(url, body, headers={IDEMPOTENCY_HEADER: message.message_key})

    return send
