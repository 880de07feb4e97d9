"""What the Dagster UI shows for a plan or a remediation run: totals and per-access tables."""

from __future__ import annotations

import dagster as dg

from compliance_pipeline.ui import rows_table

ACCESS_COLUMNS = ["access_id", "user_id", "completed_works", "visits", "worker_before",
                  "worker_after", "worker_drop", "org_before", "org_after", "org_drop"]
_COUNTS = ["accesses", "completed_works", "visits", "skipped_suspended_accesses",
           "worker_accrual_before", "worker_accrual_after", "worker_accrual_drop",
           "org_accrual_before", "org_accrual_after", "org_accrual_drop"]


def report_metadata(report: dict) -> dict:
    metadata = {
        "plan_id": dg.MetadataValue.text(report["plan_id"]),
        "scope": dg.MetadataValue.text(report["opportunity_id"] or "all opportunities"),
        "message": dg.MetadataValue.text(report["message"]),
        "dry_run": dg.MetadataValue.bool(report["dry_run"]),
        "nothing_to_do": dg.MetadataValue.bool(report["nothing_to_do"]),
        "per_access": rows_table(report["per_access"], ACCESS_COLUMNS),
        "skipped_suspended": rows_table(report["skipped_suspended"], ACCESS_COLUMNS),
    }
    metadata.update({name: dg.MetadataValue.int(int(report[name])) for name in _COUNTS})
    if report.get("run_id"):
        metadata["run_id"] = dg.MetadataValue.text(report["run_id"])
    return metadata
