"""Asset check budget_within_annual_ceiling: the annual projection against the ceiling.

It runs inside each budget_weekly_report materialization (declared as a check spec on the asset),
so it always judges that partition's own figures.
"""

from __future__ import annotations

import dagster as dg

from compliance_pipeline.budget_audit import core

CHECK_NAME = "budget_within_annual_ceiling"
ASSET_NAME = "budget_weekly_report"

CHECK_SPEC = dg.AssetCheckSpec(
    CHECK_NAME, asset=ASSET_NAME,
    description="Projected annual energy sacrifice (daily average of all data to the week's end x 365) stays "
                "within the ceiling: ERROR above it, WARN from 80% utilization.",
)


def ceiling_check_result(report: dict) -> dg.AssetCheckResult:
    verdict = core.ceiling_verdict(report)
    metadata = {k: report[k] for k in ("projected_annual_kwh", "ceiling_kwh", "utilization_pct",
                                        "ceiling_pct", "period_days", "daily_avg_kwh") if k in report}
    if "error" in report:
        metadata["note"] = "no audit data up to the week's end"
    return dg.AssetCheckResult(
        check_name=CHECK_NAME, asset_key=ASSET_NAME,
        passed=verdict == "ok",
        severity=dg.AssetCheckSeverity.ERROR if verdict == "error" else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description={"ok": "within the ceiling", "warn": "at or above 80% of the ceiling",
                     "error": "projection over the annual ceiling"}[verdict],
    )
