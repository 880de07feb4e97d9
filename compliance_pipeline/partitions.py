"""Partition definitions shared by every domain, so one job can span domains' day assets.

COMPLIANCE_PARTITIONS_START (YYYY-MM-DD, read when the code location loads) is the first day
any partition covers: the earliest day a backfill can reach and where the UI's partition bar
starts. The default, 2025-01-01, is the start of the first year the monitors kept data for; a
deployment that starts later sets it to its own first day so the bar shows only days that can
have data. Weekly partitions start on the first Monday on or after it, monthly ones on the
first of its month.
"""

import os
from datetime import date, timedelta

import dagster as dg

from compliance_pipeline.errors import InputError

START_ENV = "COMPLIANCE_PARTITIONS_START"
DEFAULT_START = date(2025, 1, 1)


def partitions_start() -> date:
    raw = os.environ.get(START_ENV, "").strip()
    if not raw:
        return DEFAULT_START
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{START_ENV}={raw!r} is not a date: expected YYYY-MM-DD") from None


START = partitions_start()

# Daily partitions (UTC days). The last partition is yesterday: a day is evaluated once it has ended.
DAILY = dg.DailyPartitionsDefinition(start_date=START.isoformat(), timezone="UTC")

# Weeks starting Monday (day_offset=1), UTC.
WEEKLY = dg.WeeklyPartitionsDefinition(
    start_date=(START + timedelta(days=(7 - START.weekday()) % 7)).isoformat(), day_offset=1, timezone="UTC")

# UTC calendar months (the 47 CFR 61.3(bbb) determination is per calendar month).
MONTHLY = dg.MonthlyPartitionsDefinition(start_date=START.replace(day=1).isoformat(), timezone="UTC")
