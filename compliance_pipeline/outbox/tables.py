"""The outbox table as the catalog and docs/reference.md describe it."""

from compliance_pipeline.catalog import table

OUTBOX = table(
    "outbox",
    "Messages to other systems (ERPNext ToDos, alert and operations webhooks), written in the same "
    "transaction as the change they announce and delivered by their own step; one row per message.",
    ("id", "BIGINT", "Message id."),
    ("topic", "TEXT", "erpnext_todo, alert_webhook or ops_webhook."),
    ("message_key", "TEXT", "Unique per topic: queuing the same message twice is a no-op."),
    ("payload_json", "TEXT", "The JSON body that is sent."),
    ("status", "TEXT", "pending (waits or retries), sent (delivered once) or failed (refused, 4xx)."),
    ("attempts", "INTEGER", "Delivery attempts so far."),
    ("created_at", "TIMESTAMPTZ", "When the message was queued."),
    ("next_attempt_at", "TIMESTAMPTZ", "Earliest next attempt (exponential backoff, 30 s to 1 h)."),
    ("last_attempt_at", "TIMESTAMPTZ", "Last attempt."),
    ("sent_at", "TIMESTAMPTZ", "When the receiver accepted it."),
    ("remote_ref", "TEXT", "The receiver's id for it (e.g. the ERPNext ToDo name)."),
    ("last_error", "TEXT", "The last failure (HTTP status and body, or network error)."),
    ("claimed_until", "TIMESTAMPTZ", "A delivery pass holds the message until then (so no two send it)."),
    ("claimed_by", "TEXT", "The delivery pass holding it."),
)
