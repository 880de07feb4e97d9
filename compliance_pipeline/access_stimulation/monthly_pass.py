"""One month's 61.3(bbb) determination, shared by the monthly asset and the CLI.

Reads the month's minutes and what the previous month carried, decides every active profile
(monthly_core), and, unless dry-run, replaces the month's statuses and queues the ToDos in ONE
transaction, under a per-month lock: two runs of a month at once write the same rows and
queue each ToDo once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from compliance_pipeline import outbox
from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.access_stimulation import monthly_storage as storage
from compliance_pipeline.access_stimulation import monthly_todos
from compliance_pipeline.collector import collector_paused
from compliance_pipeline.errors import InputError
from compliance_pipeline.outbox import topics
from compliance_pipeline.warehouse import Connection, Warehouse


@dataclass
class MonthResult:
    month: date
    dry_run: bool
    statuses: list[core.MonthStatus]
    written: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"evaluated": len(self.statuses),
                "engaged": sum(s.engaged for s in self.statuses),
                "newly_engaged": sum(s.newly_engaged for s in self.statuses),
                "exited": sum(s.exited for s in self.statuses)}

    def as_json(self) -> dict:
        return {"month": core.month_label(self.month), "dry_run": self.dry_run, **self.counts(),
                "statuses": [s.as_dict() for s in self.statuses], "written": self.written}


def require_ended(month: date, now: datetime) -> None:
    """A calendar month is determined once it is over."""
    if datetime.combine(core.add_months(month, 1), time(0), tzinfo=timezone.utc) > now:
        raise InputError(f"month {core.month_label(month)} has not ended yet (now {now.isoformat()}); "
                         "a calendar month is determined once it is over")


def decide_month(conn: Connection, month: date, settings: core.MonthlySettings) -> list[core.MonthStatus]:
    """Every active profile's status for the month (reads only)."""
    settings.validate()
    profiles = storage.active_profiles(conn)
    if not profiles:
        return []
    ids = [pid for pid, _ in profiles]
    traffic = storage.month_traffic(conn, month)
    backs = [core.add_months(month, n) for n in (-1, -2, -12)]
    stored, carried = storage.stored_months(conn, backs, backs[0])
    # Months not stored for some profiles (first month, newly active, a gap) are read from the
    # studies, for those profiles only; their state is computed from scratch (in SQL).
    earlier = {}
    for back in backs:
        missing = [pid for pid in ids if pid not in stored[back]]
        found = storage.month_traffic(conn, back, None if len(missing) == len(ids) else missing) if missing else {}
        earlier[back] = {**found, **stored[back]}
    replayed = [pid for pid in ids if pid not in carried]
    if replayed:
        carried.update(storage.replayed_state(conn, month, None if len(replayed) == len(ids) else replayed, settings))
    agreements = storage.agreements(conn)
    limits = core.thresholds(settings)
    last, two, year = (earlier[b] for b in backs)
    nothing, fresh = core.NO_TRAFFIC, core.FRESH
    return [core.decide(pid, carrier_class, month, traffic.get(pid, nothing), year.get(pid, nothing),
                        (two.get(pid, nothing), last.get(pid, nothing)), agreements.get(pid, ()),
                        carried.get(pid, fresh), settings, limits=limits)
            for pid, carrier_class in profiles]


def run(warehouse: Warehouse, *, month: date, settings: core.MonthlySettings | None = None,
        dry_run: bool = False, queued_at: datetime) -> MonthResult:
    """Determine the month; unless dry_run, replace its statuses and queue ToDos (one transaction)."""
    settings = (settings or core.MonthlySettings()).validate()
    with collector_paused(), warehouse.connect() as conn, conn.transaction():
        if not dry_run:
            storage.lock_month(conn, month)  # before reading: the second run sees the first's rows
        statuses = decide_month(conn, month, settings)
        written = {}
        if not dry_run:
            written["status_rows"] = storage.replace_month(conn, month, statuses)
            written["todos_enqueued"] = outbox.enqueue_many(conn, topic=topics.ERPNEXT_TODO,
                                                            messages=monthly_todos.todos(statuses, settings), now=queued_at)
    return MonthResult(month, dry_run, statuses, written)
