"""PostgreSQL: delivery passes claim one message at a time, so find the pending ones without
reading every sent message of the topic (a partial index stays as small as the backlog).
DuckDB has no partial indexes and scans the columns it needs quickly: nothing to add there."""

VERSION = 12


def statements(backend: str) -> list[str]:
    if backend != "postgresql":
        return []
    return ["CREATE INDEX outbox_pending ON outbox (topic, id) WHERE status = 'pending'"]
