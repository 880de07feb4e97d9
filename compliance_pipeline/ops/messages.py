"""The operations messages, pure: what a failed run or a failed check says, and its outbox key."""

from __future__ import annotations

from datetime import datetime

from compliance_pipeline.outbox.topics import OPS_WEBHOOK

TOPIC = OPS_WEBHOOK
RUN_FAILURE, CHECK_FAILURE, LATE_ASSET = "run_failure", "check_failure", "late_asset"
MAX_TEXT = 2000


def run_failure(*, run_id: str, job: str, failed_at: datetime, error: str | None,
                partition: str | None) -> tuple[str, dict]:
    """(message_key, payload) for a run that failed: one message per run."""
    return f"{RUN_FAILURE}:{run_id}", {
        "kind": RUN_FAILURE, "job": job, "run_id": run_id, "partition": partition,
        "failed_at": failed_at.isoformat(), "error": (error or "")[:MAX_TEXT],
        "text": f"Run of {job}{_for(partition)} failed: {(error or 'see the run').splitlines()[0][:300]}",
    }


def check_failure(*, event_id: int, run_id: str, asset: str, check: str, severity: str,
                  blocking: bool, partition: str | None, description: str | None,
                  evaluated_at: datetime, freshness: bool) -> tuple[str, dict]:
    """(message_key, payload) for one failed check evaluation; a failed freshness check means
    the asset is late."""
    kind = LATE_ASSET if freshness else CHECK_FAILURE
    what = "is late" if freshness else f"failed check {check} ({severity}{', blocking' if blocking else ''})"
    return f"{kind}:{event_id}", {
        "kind": kind, "asset": asset, "check": check, "severity": severity, "blocking": blocking,
        "partition": partition, "run_id": run_id, "evaluated_at": evaluated_at.isoformat(),
        "description": (description or "")[:MAX_TEXT],
        "text": f"{asset}{_for(partition)} {what}" + (f": {description}" if description else ""),
    }


def needs_attention(*, passed: bool, severity: str, blocking: bool) -> bool:
    """Only failures that matter page someone: ERROR severity, or blocking (stops downstream)."""
    return not passed and (severity == "ERROR" or blocking)


def _for(partition: str | None) -> str:
    return f" [{partition}]" if partition else ""
