"""Outbox rows: enqueue (idempotent on topic+key), read, and record delivery outcomes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from compliance_pipeline.warehouse import Connection
from compliance_pipeline.warehouse.locks import claim_rows

_COLUMNS = ("id, topic, message_key, payload_json, status, attempts, created_at, "
            "next_attempt_at, last_attempt_at, sent_at, remote_ref, last_error, claimed_until, claimed_by")
_COLUMN_NAMES = tuple(name.strip() for name in _COLUMNS.split(","))
_DUE = "topic = ? AND status = 'pending' AND next_attempt_at <= ?"
_UNCLAIMED = "(claimed_until IS NULL OR claimed_until <= ?)"


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    topic: str
    message_key: str
    payload: dict
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    sent_at: datetime | None
    remote_ref: str | None
    last_error: str | None
    claimed_until: datetime | None = None  # a delivery pass's lease; past = free again
    claimed_by: str | None = None

    @classmethod
    def from_row(cls, row: tuple) -> OutboxMessage:
        """A row of SELECT {_COLUMNS}: the stored payload_json parsed into payload."""
        fields = dict(zip(_COLUMN_NAMES, row))
        return cls(payload=json.loads(fields.pop("payload_json")), **fields)


def enqueue(conn: Connection, *, topic: str, key: str, payload: dict[str, Any], now: datetime) -> bool:
    """Add a message unless (topic, key) exists. Returns True when a row was added."""
    return enqueue_many(conn, topic=topic, messages=[(key, payload)], now=now) == 1


def enqueue_many(conn: Connection, *, topic: str, messages: list[tuple[str, dict[str, Any]]],
                 now: datetime) -> int:
    """Bulk `enqueue`: one read and one bulk insert, whatever the count. Keys already in the
    outbox (or repeated in `messages`) are skipped. Returns the number of rows added."""
    if not messages:
        return 0
    keys = [key for key, _ in messages]
    existing = {r[0] for r in conn.query(
        "SELECT message_key FROM outbox WHERE topic = ? AND message_key = ANY(?)", (topic, keys))}
    rows = []
    for key, payload in messages:
        if key in existing:
            continue
        existing.add(key)
        rows.append((topic, key, json.dumps(payload, sort_keys=True, default=str), "pending", 0, now, now))
    return conn.insert_rows(
        "outbox",
        ("topic", "message_key", "payload_json", "status", "attempts", "created_at", "next_attempt_at"),
        rows,
    )


def claim_due(conn: Connection, topic: str, clock: datetime, claimer: str, limit: int, *,
              due_at: datetime, lease: timedelta) -> list[OutboxMessage]:
    """Lease up to `limit` messages due at `due_at` that no live lease holds (at `clock`), oldest
    first. Rows another pass is claiming right now are skipped, not waited for."""
    rows = claim_rows(
        conn, table="outbox", assignments="claimed_until = ?, claimed_by = ?",
        assignment_params=(clock + lease, claimer),
        where=f"{_DUE} AND {_UNCLAIMED}", where_params=(topic, due_at, clock),
        order_by="id", limit=limit, returning=_COLUMNS)
    return sorted((OutboxMessage.from_row(r) for r in rows), key=lambda m: m.id)


def due_count(conn: Connection, topic: str, now: datetime) -> int:
    return int(conn.scalar(f"SELECT count(*) FROM outbox WHERE {_DUE} AND {_UNCLAIMED}", (topic, now, now)))


def list_messages(conn: Connection, topic: str, status: str | None = None) -> list[OutboxMessage]:
    sql = f"SELECT {_COLUMNS} FROM outbox WHERE topic = ?"
    params: list[Any] = [topic]
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    return [OutboxMessage.from_row(r) for r in conn.query(sql + " ORDER BY id", params)]


def status_counts(conn: Connection, topic: str) -> dict[str, int]:
    counts = {"pending": 0, "sent": 0, "failed": 0}
    for status, n in conn.query("SELECT status, count(*) FROM outbox WHERE topic = ? GROUP BY status", (topic,)):
        counts[status] = int(n)
    return counts


def oldest_pending_created_at(conn: Connection, topic: str) -> datetime | None:
    return conn.scalar("SELECT min(created_at) FROM outbox WHERE topic = ? AND status = 'pending'", (topic,))


def record_sent(conn: Connection, message_id: int, now: datetime, remote_ref: str | None,
                note: str | None = None) -> None:
    """note: why remote_ref is missing, when the other side accepted without naming the record."""
    conn.execute(
        "UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_attempt_at = ?, sent_at = ?,"
        " remote_ref = ?, last_error = ?, claimed_until = NULL, claimed_by = NULL WHERE id = ?",
        (now, now, remote_ref, note, message_id),
    )


def record_retry(conn: Connection, message_id: int, now: datetime, next_at: datetime, error: str) -> None:
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ?, last_error = ?,"
        " claimed_until = NULL, claimed_by = NULL WHERE id = ?",
        (now, next_at, error, message_id),
    )


def record_failed(conn: Connection, message_id: int, now: datetime, error: str) -> None:
    conn.execute(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_attempt_at = ?, last_error = ?,"
        " claimed_until = NULL, claimed_by = NULL WHERE id = ?",
        (now, error, message_id),
    )
