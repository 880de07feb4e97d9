"""Alerts (from the original alert engine): events, the persisted per-(unit, rule) state machine, its watermark."""

VERSION = 400


def statements(backend: str) -> list[str]:
    return [
        "CREATE SEQUENCE alert_events_id_seq START 1",
        # status, clear_at and peak_value are updated when an event clears, so they carry no
        # index (DuckDB raises spurious constraint errors on updates of indexed columns).
        """
        CREATE TABLE alert_events (
            id BIGINT PRIMARY KEY DEFAULT nextval('alert_events_id_seq'),
            rule_id BIGINT NOT NULL,
            unit_id TEXT NOT NULL,
            rule_name TEXT NOT NULL,
            metric TEXT NOT NULL,
            comparison TEXT NOT NULL,
            threshold_db DOUBLE PRECISION NOT NULL,
            onset_at TIMESTAMPTZ NOT NULL,
            onset_value DOUBLE PRECISION NOT NULL,
            peak_value DOUBLE PRECISION NOT NULL,
            clear_at TIMESTAMPTZ,
            clear_value DOUBLE PRECISION,
            status TEXT NOT NULL,
            acknowledged_at TIMESTAMPTZ,
            acknowledged_by TEXT,
            notes TEXT
        )""",
        "CREATE INDEX alert_events_unit ON alert_events (unit_id, onset_at)",
        # One row per (unit, rule); replaced (DELETE + INSERT) by each pass, so no key index.
        # rule_fingerprint: a hash of the rule's evaluated fields; a different one resets the state.
        # readings_seen: snapshots of the unit at or before the watermark when it was last
        # written; a larger count later means snapshots arrived late (behind the watermark).
        """
        CREATE TABLE alert_state (
            unit_id TEXT NOT NULL,
            rule_id BIGINT NOT NULL,
            rule_fingerprint TEXT NOT NULL,
            phase TEXT NOT NULL,
            edge_since TIMESTAMPTZ,
            peak DOUBLE PRECISION,
            open_event_id BIGINT,
            watermark TIMESTAMPTZ,
            readings_seen BIGINT NOT NULL,
            late_total BIGINT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        )""",
    ]
