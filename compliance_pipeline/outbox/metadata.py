"""A delivery step's report as Dagster metadata (the same shape for every outbox topic)."""

from __future__ import annotations

import dagster as dg

from compliance_pipeline.outbox.report import DeliveryReport
from compliance_pipeline.outbox.tables import OUTBOX
from compliance_pipeline.ui import rows_table


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
