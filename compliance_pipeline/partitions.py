"""Partition definitions shared by every domain, so one job can span domains' day assets."""

import dagster as dg

# Daily partitions (UTC days). The last partition is yesterday: a day is evaluated once it has ended.
DAILY = dg.DailyPartitionsDefinition(start_date="2025-01-01", timezone="UTC")

# Weeks starting Monday (day_offset=1), UTC.
WEEKLY = dg.WeeklyPartitionsDefinition(start_date="2025-01-06", day_offset=1, timezone="UTC")

# UTC calendar months (the 47 CFR 61.3(bbb) determination is per calendar month).
MONTHLY = dg.MonthlyPartitionsDefinition(start_date="2025-01-01", timezone="UTC")
