"""Row builders for the monthly 61.3(bbb) tests (real tables, both backends)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from itertools import count

from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.access_stimulation import monthly_pass, monthly_storage

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)  # every month in these tests has ended
_study_ids = count(10_000_000)
STUDY_COLUMNS = ["id", "profile_id", "generated_at", "retail_minutes", "wholesale_minutes",
                 "interstate_terminating_minutes", "interstate_originating_minutes"]


def month(text: str) -> date:
    return core.parse_month(text)


def add_profiles(warehouse, profiles) -> None:
    """profiles: (id, carrier_class) — all active."""
    with warehouse.transaction() as conn:
        conn.insert_rows("cdr_ingestion_profiles", ["id", "name", "active", "carrier_class"],
                         [(pid, f"profile {pid}", True, cls) for pid, cls in profiles])


def add_agreements(warehouse, agreements) -> None:
    """agreements: (profile_id, starts_on, ends_on or None)."""
    with warehouse.transaction() as conn:
        for pid, starts_on, ends_on in agreements:
            conn.execute("INSERT INTO access_revenue_sharing_agreements (profile_id, counterparty, starts_on, ends_on)"
                         " VALUES (?, ?, ?, ?)", (pid, f"partner of {pid}", starts_on, ends_on))


def add_month(warehouse, rows, day: int = 10) -> None:
    """rows: (profile_id, 'YYYY-MM', term, orig) as one proxy (retail/wholesale) study on `day`,
    or (profile_id, 'YYYY-MM', term, orig, tagged_term, tagged_orig) with interstate columns."""
    studies = []
    for pid, label, term, orig, *tagged in rows:
        at = datetime.combine(month(label).replace(day=day), time(12), tzinfo=timezone.utc)
        studies.append((next(_study_ids), pid, at, term, orig, *(tagged or (None, None))))
    with warehouse.transaction() as conn:
        conn.insert_rows("cdr_traffic_studies", STUDY_COLUMNS, studies)


def run(warehouse, label: str, **kwargs) -> dict[int, core.MonthStatus]:
    result = monthly_pass.run(warehouse, month=month(label), queued_at=NOW, **kwargs)
    return {s.profile_id: s for s in result.statuses}


def run_months(warehouse, first: str, last: str, **kwargs) -> dict[str, dict[int, core.MonthStatus]]:
    return {core.month_label(m): run(warehouse, core.month_label(m), **kwargs)
            for m in core.months_between(month(first), month(last))}


def stored(warehouse, label: str) -> list[core.MonthStatus]:
    with warehouse.connect() as conn:
        return monthly_storage.read_month(conn, month(label))


def snapshot(warehouse) -> dict:
    with warehouse.connect() as conn:
        return {"statuses": conn.query("SELECT * FROM access_stim_monthly_status ORDER BY month, profile_id"),
                "outbox": conn.query("SELECT topic, message_key, payload_json, status, created_at FROM outbox"
                                     " ORDER BY id")}


def todo_keys(warehouse) -> list[str]:
    with warehouse.connect() as conn:
        return [r[0] for r in conn.query("SELECT message_key FROM outbox WHERE message_key LIKE ? ORDER BY id",
                                         ("access-stim-monthly:%",))]
