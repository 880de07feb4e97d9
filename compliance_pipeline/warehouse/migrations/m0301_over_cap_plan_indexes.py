"""PostgreSQL: covering partial indexes for the over-cap plan, so it reads only index pages.

`completed_work_counted`: the counted works (pending/approved) of each (access, payment unit)
in rank order (date_created, id), carrying what the plan needs (status, saved_approved_count):
the plan walks each claim limit's entries past max_visits without touching the table.
`user_visit_open`: the visits not yet over_limit by completed work, carrying id and status.
Both are partial, so works and visits already flipped leave them. DuckDB has no index-only
scans (and its indexes on updated columns misbehave inside a transaction): nothing there.
Built inside the migration's transaction (not CONCURRENTLY): on large tables, run
`compliance-pipeline init` for this upgrade in a quiet window."""

VERSION = 301


def statements(backend: str) -> list[str]:
    if backend != "postgresql":
        return []
    return [
        "CREATE INDEX completed_work_counted ON completed_work"
        " (opportunity_access_id, payment_unit_id, date_created, id) INCLUDE (status, saved_approved_count)"
        " WHERE status IN ('pending', 'approved')",
        "CREATE INDEX user_visit_open ON user_visit (completed_work_id, id) INCLUDE (status)"
        " WHERE status <> 'over_limit'",
    ]
