"""One evaluation pass (the original script's run_once), shared by the flags asset and the CLI.

Reads the window sums, decides every profile in Python (core), and, unless dry-run, writes
history + stamps + ToDos in ONE transaction: all of it happens or none of it does.
Passes that write run their cooldown look-up and writes one at a time (an advisory lock on
PostgreSQL, DuckDB's single writer), so passes started together never flag a profile twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from compliance_pipeline import outbox
from compliance_pipeline.access_stimulation import core, storage, sums
from compliance_pipeline.collector import collector_paused
from compliance_pipeline.errors import InputError
from compliance_pipeline.outbox import topics
from compliance_pipeline.warehouse import Connection, Warehouse
from compliance_pipeline.warehouse.locks import advisory_xact_lock

FLAGS_LOCK = "access_stimulation_flags"  # held from the cooldown look-up to COMMIT


@dataclass
class MonitorResult:
    as_of: datetime
    dry_run: bool
    evaluations: list[core.Evaluation]
    evidences: dict[int, dict]
    written: dict[str, int] = field(default_factory=dict)

    @property
    def summaries(self) -> list[dict]:
        """The original script's per-profile dicts (built on demand: the asset only needs counts)."""
        return [core.summary(ev, dry_run=self.dry_run, evidence_payload=self.evidences.get(ev.profile_id))
                for ev in self.evaluations]

    def reason_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(core.REASONS, 0)
        for ev in self.evaluations:
            counts[ev.reason] += 1
        return counts

    def as_json(self) -> dict:
        return core.run_summary(self.summaries)


def _decide(conn: Connection, totals: list[tuple[int, int, int]], as_of: datetime, threshold: float,
            cooldown_days: int, partition_day: date | None) -> tuple[list[core.Evaluation], dict[int, dict]]:
    last = storage.last_flagged(conn, as_of, cooldown_days)
    evaluations = core.evaluate_many(totals, last_flagged=last, as_of=as_of, threshold=threshold,
                                     cooldown_days=cooldown_days)
    flagged = [ev for ev in evaluations if ev.flagged]
    flagged_ids = [ev.profile_id for ev in flagged]
    if partition_day is not None:
        months = sums.month_breakdown_from_totals(conn, flagged_ids, partition_day)
    else:
        months = sums.month_breakdown(conn, flagged_ids, core.window_start(as_of), as_of)
    evidences = {ev.profile_id: core.evidence(ev, as_of=as_of, threshold=threshold, months=months[ev.profile_id])
                 for ev in flagged}
    return evaluations, evidences


def _write(conn: Connection, as_of: datetime, threshold: float, cooldown_days: int,
           evaluations: list[core.Evaluation], evidences: dict[int, dict], queued_at: datetime) -> dict[str, int]:
    history_rows = storage.replace_evaluations(conn, as_of, threshold, cooldown_days, evaluations, evidences)
    stamped = storage.stamp_flagged_profiles(conn, as_of)
    todos = [(core.todo_key(ev.profile_id, as_of), core.todo_payload(ev, evidences[ev.profile_id]))
             for ev in evaluations if ev.flagged]
    enqueued = outbox.enqueue_many(conn, topic=topics.ERPNEXT_TODO, messages=todos, now=queued_at)
    return {"history_rows": history_rows, "stamped": stamped, "todos_enqueued": enqueued}


def run(warehouse: Warehouse, *, as_of: datetime, dry_run: bool = False,
        threshold: float = core.DEFAULT_THRESHOLD, cooldown_days: int = core.DEFAULT_COOLDOWN_DAYS,
        partition_day: date | None = None, queued_at: datetime | None = None,
        stored_if_any: bool = False) -> MonitorResult:
    """Evaluate every active profile at as_of. With partition_day, the window sums come from
    that partition's stored aggregates; otherwise from one GROUP BY over the studies.
    stored_if_any (the CLI's --as-of): use partition_day's stored aggregates when the daily
    assets have materialized it, else the studies (the same numbers either way).
    queued_at: when ToDos enter the outbox (the asset and CLI pass the wall clock, so a
    backfilled day's ToDo is not "waiting for days"); defaults to as_of."""
    core.validate_settings(threshold, cooldown_days)
    as_of = core.utc(as_of)
    with collector_paused(), warehouse.connect() as conn, conn.transaction():
        if stored_if_any and partition_day is not None and not sums.partition_is_stored(conn, partition_day):
            partition_day = None
        if partition_day is not None:
            totals = sums.partition_totals(conn, partition_day)
            if not totals and sums.has_active_profiles(conn):
                raise InputError(f"partition {partition_day} of traffic_six_month_aggregates is not materialized")
        else:
            totals = sums.window_totals_from_studies(conn, core.window_start(as_of), as_of)
        if not dry_run:  # the totals above need no lock; everything below reads what earlier passes wrote
            advisory_xact_lock(conn, FLAGS_LOCK)
        evaluations, evidences = _decide(conn, totals, as_of, threshold, cooldown_days, partition_day)
        written = {} if dry_run else _write(conn, as_of, threshold, cooldown_days, evaluations, evidences,
                                            core.utc(queued_at or as_of))
    return MonitorResult(as_of, dry_run, evaluations, evidences, written)
