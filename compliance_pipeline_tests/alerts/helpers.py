"""Small builders for alert tests against the real warehouse fixture."""

from datetime import datetime, timedelta, timezone

from compliance_pipeline.alerts import rule_store

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)  # a Monday
NOW = datetime(2026, 3, 5, tzinfo=timezone.utc)


def add_rule(warehouse, **fields):
    base = {"unit_id": "u1", "name": "loud", "metric": "leq", "comparison": "above", "threshold_db": 70.0,
            "duration_s": 60.0, "clear_margin_db": 3.0}
    with warehouse.transaction() as conn:
        return rule_store.add_rule(conn, {**base, **fields})


def add_snapshots(warehouse, unit, levels, *, start=T0, step=timedelta(minutes=1), metric="leq", offset=0):
    rows = [(unit, start + step * (offset + i), level) for i, level in enumerate(levels)]
    with warehouse.transaction() as conn:
        conn.insert_rows("monitor_snapshots", ["unit_id", "observed_at", metric], rows)


def events(warehouse, unit=None):
    with warehouse.connect() as conn:
        return sorted(rule_store.list_events(conn, unit), key=lambda e: e["id"])


def outbox_keys(warehouse):
    with warehouse.connect() as conn:
        return [r[0] for r in conn.query("SELECT message_key FROM outbox ORDER BY id")]
