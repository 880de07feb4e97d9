"""A delivery step's report as Dagster metadata (the same shape for every outbox topic), and the
delivery step every delivery asset runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import dagster as dg

from compliance_pipeline.catalog import materialization_metadata
from compliance_pipeline.outbox.delivery import SendResult
from compliance_pipeline.outbox.report import DeliveryReport, deliver_and_report
from compliance_pipeline.outbox.store import OutboxMessage
from compliance_pipeline.outbox.tables import OUTBOX
from compliance_pipeline.ui import rows_table
from compliance_pipeline.warehouse import Warehouse


def delivery_metadata(report: DeliveryReport) -> dict[str, dg.MetadataValue]:
    oldest = report.oldest_pending_created_at
    return {
        "configured": dg.MetadataValue.bool(report.configured),
        **{f"this_run_{k}": dg.MetadataValue.int(v) for k, v in report.attempted.items()},
        **{f"outbox_{k}": dg.MetadataValue.int(v) for k, v in report.outbox.items()},
        "oldest_pending_created_at": dg.MetadataValue.text(oldest.isoformat() if oldest else "none"),
        "failed_messages": rows_table(
            [{"id": m.id, "message_key": m.message_key, "last_attempt_at": m.last_attempt_at,
              "last_error": m.last_error} for m in report.failed],
            OUTBOX.pick("id", "message_key", "last_attempt_at", "last_error")),
    }


def delivery_step(log, warehouse: Warehouse, *, topic: str, send: Callable[[OutboxMessage], SendResult] | None,
                  settings: str) -> tuple[DeliveryReport, dict[str, dg.MetadataValue]]:
    """Send the topic's due messages (send=None: the receiver is not configured, so nothing is
    attempted and the messages wait, with a warning naming the missing `settings`); the report
    and its metadata, with the outbox table's state for the topic."""
    report = deliver_and_report(warehouse, topic=topic, send=send, now=datetime.now(timezone.utc))
    if not report.configured:
        log.warning(f"{settings} not set: {report.outbox['pending']} message(s) wait")
    # The topic's row count is the report's own counts (read with them): no second query that a
    # message queued in between would make disagree with them.
    return report, {**delivery_metadata(report),
                    **materialization_metadata(OUTBOX, sum(report.outbox.values()))}
