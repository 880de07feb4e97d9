"""PostgreSQL: over_cap_limit_usage, its triggers and functions (m0302-m0304) are dropped; the
plan counts each key's works itself, in one index-only pass.

Why: a plan cannot trust counts that a write may have kept away from the triggers, so every plan
recounted the source tables to check them (0.13 s at 500,000 works), which cost more than the
reads the counts saved; meanwhile every writer of completed_work paid 1.2-1.9x, an apply could
deadlock with a writer of several keys, and a logical-replication subscriber never fires
statement triggers, so its counts went stale at once. Counting in the plan is as fast and needs
none of it."""

VERSION = 305

_TABLES = ("completed_work", "opportunity_claim_limit")
_OPERATIONS = ("insert", "update", "delete", "truncate")


def statements(backend: str) -> list[str]:
    if backend != "postgresql":
        return []
    return [
        *(f"DROP TRIGGER IF EXISTS {table}_over_cap_usage_{op} ON {table}"
          for table in _TABLES for op in _OPERATIONS),
        "DROP FUNCTION IF EXISTS over_cap_count_works()",
        "DROP FUNCTION IF EXISTS over_cap_track_limits()",
        "DROP FUNCTION IF EXISTS over_cap_rebuild_limit_usage()",
        "DROP TABLE IF EXISTS over_cap_limit_usage",
    ]
