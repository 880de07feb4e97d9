"""Row builders for access_stimulation tests (real tables, both backends)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from itertools import count

_study_ids = count(1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


def add_profiles(warehouse, profiles) -> None:
    """profiles: (id, active) or (id, active, flagged_at)."""
    rows = [(p[0], f"profile {p[0]}", p[1], p[2] if len(p) > 2 else None, None) for p in profiles]
    with warehouse.transaction() as conn:
        conn.insert_rows("cdr_ingestion_profiles",
                         ["id", "name", "active", "access_stim_flagged_at", "access_stim_evidence_json"], rows)


def add_studies(warehouse, studies) -> None:
    """studies: (profile_id, generated_at, retail_minutes, wholesale_minutes)."""
    rows = [(next(_study_ids), *s) for s in studies]
    with warehouse.transaction() as conn:
        conn.insert_rows("cdr_traffic_studies",
                         ["id", "profile_id", "generated_at", "retail_minutes", "wholesale_minutes"], rows)


def table_snapshot(warehouse) -> dict:
    """Everything the domain writes, for "nothing changed" assertions."""
    with warehouse.connect() as conn:
        return {
            "profiles": conn.query("SELECT id, access_stim_flagged_at, access_stim_evidence_json"
                                   " FROM cdr_ingestion_profiles ORDER BY id"),
            "evaluations": conn.query("SELECT profile_id, as_of, reason, ratio, evidence_json"
                                      " FROM access_stim_evaluations ORDER BY as_of, profile_id"),
            "outbox": conn.query("SELECT topic, message_key, payload_json, status FROM outbox ORDER BY id"),
            "aggregates": conn.query("SELECT * FROM access_stim_aggregates ORDER BY partition_day, profile_id"),
        }


EVALUATION_COLUMNS = ("profile_id", "as_of", "reason", "ratio", "term_minutes", "orig_minutes",
                      "threshold", "cooldown_days", "last_flagged_at", "evidence_json")


def history(conn, profile_id: int | None = None) -> list[dict]:
    sql = "SELECT " + ", ".join(EVALUATION_COLUMNS) + " FROM access_stim_evaluations"
    params: list = []
    if profile_id is not None:
        sql += " WHERE profile_id = ?"
        params.append(profile_id)
    return conn.query_dicts(sql + " ORDER BY as_of, profile_id", params)
