"""The outbox: messages to other systems (ERPNext ToDos, alert webhooks) that must never be lost."""

VERSION = 10


def statements(backend: str) -> list[str]:
    return [
        "CREATE SEQUENCE outbox_id_seq START 1",
        """
        CREATE TABLE outbox (
            id BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
            topic TEXT NOT NULL,
            message_key TEXT NOT NULL,
            payload_json TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            next_attempt_at TIMESTAMPTZ NOT NULL,
            last_attempt_at TIMESTAMPTZ,
            sent_at TIMESTAMPTZ,
            remote_ref TEXT,
            last_error TEXT
        )""",
        # One message per (topic, key): enqueueing twice is a no-op, so reruns never duplicate.
        "CREATE UNIQUE INDEX outbox_topic_key ON outbox (topic, message_key)",
    ]
