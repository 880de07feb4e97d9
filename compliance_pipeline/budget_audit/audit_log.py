"""BudgetAuditLog: the original budget script's API (log_slot, load, daily_summary, weekly_report) on a crash-safe log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from compliance_pipeline.budget_audit import compaction, core, parquet_log, scan
from compliance_pipeline.budget_audit.log_files import check_root
from compliance_pipeline.budget_audit.settings import AUDIT_DIR_ENV, audit_dir_from_env, settings_from_env


class BudgetAuditLog:
    """Append-only, date-partitioned parquet log of slot spends, with the original script's rollups.

    Unlike the original script, errors are raised, never swallowed: bad input raises InputError naming the
    field (and writes nothing), a folder that is a file or unreadable raises InputError naming it,
    disk errors raise OSError.
    """

    def __init__(self, path: Path | str | None = None, settings: core.BudgetSettings | None = None):
        self.path = Path(path) if path is not None else audit_dir_from_env()
        check_root(self.path, "audit log folder" if path is not None else AUDIT_DIR_ENV)
        self.settings = settings if settings is not None else settings_from_env()

    def log_slot(self, tick: Any) -> core.SlotRecord:
        """Validate one SlotRecord / field mapping / control-loop tick and append it durably."""
        record = core.record_from_tick(tick)
        parquet_log.append_records(self.path, [record])
        return record

    def log_slots(self, ticks: Iterable[Any], *, batch_id: str | None = None) -> int:
        """Validate every tick, then append them as one file per UTC day, all visible at once.

        With a batch_id, a retry of a batch that was committed appends nothing (returns 0).
        Returns the rows appended.
        """
        return self.append_batch(ticks, batch_id=batch_id).rows

    def append_batch(self, ticks: Iterable[Any], *, batch_id: str | None = None) -> parquet_log.Appended:
        records = [core.record_from_tick(t) for t in ticks]
        if not records:
            return parquet_log.Appended(0)
        return parquet_log.append_records(self.path, records, batch_id)

    def load(self):
        return scan.load_frame(self.path)

    def has_rows(self) -> bool:
        # Appends never write an empty file, so any live file means at least one row.
        return bool(scan.listed(self.path, lambda: parquet_log.live_files(self.path)))

    def day_aggregates(self, first: date, last: date) -> list[core.DayAggregate]:
        """One aggregate per day with rows, first <= day <= last."""
        return scan.day_aggregates(self.path, first, last)

    def day_aggregate(self, day: date) -> core.DayAggregate:
        found = scan.day_aggregates(self.path, day, day)
        return found[0] if found else core.DayAggregate(day=day, slots=0)

    def daily_summary(self, target_date: date) -> dict:
        aggregate = self.day_aggregate(target_date)
        return core.daily_summary(aggregate, log_is_empty=aggregate.slots == 0 and not self.has_rows())

    def weekly_report(self, *, first: date | None = None, last: date | None = None) -> dict:
        """The original script's report over the whole log, or over the days first..last (inclusive)."""
        return core.weekly_report(scan.log_aggregate(self.path, first=first, last=last), self.settings)

    def compact_day(self, day: date) -> compaction.Compaction:
        return compaction.compact_day(self.path, day.isoformat())
