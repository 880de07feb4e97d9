"""Alerts: every monitor snapshot carries `arrival_id`, a number that only grows with arrival,
so an evaluation pass reads only the snapshots that arrived since the last one (late ones
included) instead of the whole history; alert_state keeps each rule's `arrival_cursor`.

PostgreSQL: arrival_id is the inserting transaction's id (pg_current_xact_id(), 64-bit: never
wraps). A sequence would not do: values are drawn at insert but become visible at commit, so a
pass could move past a value whose transaction commits later and lose that row for good. With
transaction ids a pass reads only below the oldest transaction still running
(warehouse.arrivals.arrival_horizon): everything there has committed or aborted.
DuckDB (one writing process per file): a sequence; its zone maps skip old row groups for a
range on this append-ordered column, so it needs no index (and DuckDB cannot ALTER a table
that has indexes: they are dropped and rebuilt around the ALTER).

Rows already stored get arrival_id 0 and states already stored get a NULL cursor: the first
pass after the upgrade reads each unit's history once, as before, and counts late snapshots
against the stored readings_seen."""

VERSION = 401


def statements(backend: str) -> list[str]:
    if backend == "postgresql":
        return [
            # A constant default is metadata-only on PostgreSQL 11+: no table rewrite.
            "ALTER TABLE monitor_snapshots ADD COLUMN arrival_id BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE monitor_snapshots ALTER COLUMN arrival_id SET DEFAULT (pg_current_xact_id()::text::bigint)",
            "CREATE INDEX monitor_snapshots_arrival ON monitor_snapshots (arrival_id)",
            "ALTER TABLE alert_state ADD COLUMN arrival_cursor BIGINT",
        ]
    return [
        "CREATE SEQUENCE monitor_snapshots_arrival_seq START 1",
        "DROP INDEX monitor_snapshots_unit_time",
        "DROP INDEX monitor_snapshots_time",
        "ALTER TABLE monitor_snapshots ADD COLUMN arrival_id BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE monitor_snapshots ALTER COLUMN arrival_id SET DEFAULT nextval('monitor_snapshots_arrival_seq')",
        "CREATE INDEX monitor_snapshots_unit_time ON monitor_snapshots (unit_id, observed_at)",
        "CREATE INDEX monitor_snapshots_time ON monitor_snapshots (observed_at)",
        "ALTER TABLE alert_state ADD COLUMN arrival_cursor BIGINT",
    ]
