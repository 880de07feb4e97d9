"""Freshness checks: the day's access-stimulation flags and the weekly budget report arrive on time.

A failed freshness check is ERROR severity, so the check sensor turns it into an operations
message (kind late_asset). Freshness checks rather than FreshnessPolicy, which Dagster now
prefers: a policy's verdict is not a check evaluation, and these must reach the one path that
pages operations (the check sensor)."""

from __future__ import annotations

import warnings

import dagster as dg

warnings.filterwarnings("ignore", category=dg.SupersessionWarning, module=__name__)
warnings.filterwarnings("ignore", category=dg.SupersessionWarning, module="compliance_pipeline.ops.sensors")

# The daily schedule runs at 06:00 UTC: yesterday's flags are due by 07:00 UTC.
FLAGS_DEADLINE = "0 7 * * *"
# The weekly schedule runs Mondays 07:00 UTC: last week's report is due by 08:00 UTC.
WEEKLY_REPORT_DEADLINE = "0 8 * * 1"

freshness_checks = [
    *dg.build_time_partition_freshness_checks(
        assets=["access_stimulation_flags"], deadline_cron=FLAGS_DEADLINE, timezone="UTC",
        severity=dg.AssetCheckSeverity.ERROR),
    *dg.build_time_partition_freshness_checks(
        assets=["budget_weekly_report"], deadline_cron=WEEKLY_REPORT_DEADLINE, timezone="UTC",
        severity=dg.AssetCheckSeverity.ERROR),
]
