"""The SQL of an evaluation pass: set-based reads of rules, state and snapshots; bulk writes.

Every function takes an open Connection; the caller owns the transaction, so a pass's
events, state and outbox messages commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from compliance_pipeline.alerts.rules import FIELDS, METRICS
from compliance_pipeline.warehouse import Connection, arrivals, locks

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
RULE_COLUMNS = ("id",) + FIELDS
STATE_COLUMNS = ("unit_id", "rule_id", "rule_fingerprint", "phase", "edge_since", "peak", "open_event_id",
                 "watermark", "readings_seen", "late_total", "updated_at", "arrival_cursor")
EVENT_COLUMNS = ("id", "rule_id", "unit_id", "rule_name", "metric", "comparison", "threshold_db", "onset_at",
                 "onset_value", "peak_value", "clear_at", "clear_value", "status", "acknowledged_at",
                 "acknowledged_by", "notes")
PASS_LOCK = "alerts.evaluation_pass"


def to_datetime(epoch_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(epoch_us))


def to_epoch_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def lock_pass(conn: Connection) -> None:
    """Serialise concurrent passes (PostgreSQL; DuckDB has one writing process per file)."""
    locks.advisory_xact_lock(conn, PASS_LOCK)


def enabled_rule_rows(conn: Connection) -> list[dict]:
    return conn.query_dicts(f"SELECT {', '.join(RULE_COLUMNS)} FROM alert_rules WHERE enabled ORDER BY id")


@dataclass
class StoredState:
    unit_id: str
    rule_id: int
    fingerprint: str
    phase: str
    edge_since_us: int | None
    peak: float | None
    open_event_id: int | None
    watermark: datetime | None
    readings_seen: int
    late_total: int
    arrival_cursor: int | None  # snapshots with a lower arrival_id were read; None: stored before 401


def load_states(conn: Connection) -> dict[tuple[str, int], StoredState]:
    rows = conn.query(
        f"SELECT unit_id, rule_id, rule_fingerprint, phase, {conn.epoch_us_sql('edge_since')}, peak,"
        " open_event_id, watermark, readings_seen, late_total, arrival_cursor FROM alert_state")
    return {(r[0], int(r[1])): StoredState(*r) for r in rows}


def _bounds_sql(n: int, types: tuple[str, ...]) -> str:
    row = "(" + ", ".join(f"CAST(? AS {t})" for t in types) + ")"
    return "(VALUES " + ", ".join([row] * n) + ")"


@dataclass
class UnitReadings:
    """One unit's snapshots that arrived in a range, in observed_at order, as arrays."""

    epoch_us: np.ndarray
    arrival: np.ndarray
    values: dict[str, np.ndarray]
    present: dict[str, np.ndarray]

    def arrived_from(self, cursor: int) -> UnitReadings:
        """Only the snapshots with arrival_id >= cursor (still in observed_at order)."""
        keep = self.arrival >= cursor
        if keep.all():
            return self
        return UnitReadings(self.epoch_us[keep], self.arrival[keep],
                            {m: v[keep] for m, v in self.values.items()},
                            {m: p[keep] for m, p in self.present.items()})


def arrival_horizon(conn: Connection) -> int:
    return arrivals.arrival_horizon(conn, "monitor_snapshots")


def read_arrivals(conn: Connection, cursor_by_unit: dict[str, int], horizon: int,
                  metrics: list[str]) -> dict[str, UnitReadings]:
    """Each unit's snapshots with cursor <= arrival_id < horizon, ordered by observed_at.

    Units are read in groups sharing a cursor (normally one group: every rule has read up to
    the last horizon), each group one range on the arrival_id index: a pass costs what arrived
    since the last one, not the history. A new rule's unit (cursor 0) is read in full once."""
    metrics = [m for m in METRICS if m in metrics]  # identifiers only from the fixed list
    groups: dict[int, list[str]] = {}
    for unit in sorted(cursor_by_unit):
        groups.setdefault(cursor_by_unit[unit], []).append(unit)
    result: dict[str, UnitReadings] = {}
    for cursor, units in sorted(groups.items()):
        if cursor < horizon:
            result.update(_read_range(conn, units, cursor, horizon, metrics))
    return result


def _read_range(conn: Connection, units: list[str], lo: int, hi: int,
                metrics: list[str]) -> dict[str, UnitReadings]:
    import pyarrow as pa

    params = [v for k, unit in enumerate(units) for v in (k, unit)] + [lo, hi]
    sql = (f"SELECT b.k, {conn.epoch_us_sql('s.observed_at')} AS t, s.arrival_id"
           + "".join(f", s.{m}" for m in metrics)
           + f" FROM monitor_snapshots s JOIN {_bounds_sql(len(units), ('INTEGER', 'TEXT'))}"
           " AS b(k, unit_id) ON s.unit_id = b.unit_id"
           " WHERE s.arrival_id >= ? AND s.arrival_id < ? AND s.observed_at IS NOT NULL"
           " ORDER BY b.k, s.observed_at")
    types = {"k": pa.int64(), "t": pa.int64(), "arrival_id": pa.int64(), **{m: pa.float64() for m in metrics}}
    table = conn.fetch_arrow(sql, params, types)
    # k, t and arrival_id are never NULL (the WHERE clause); a metric's NULL is "not measured".
    unit_index, times, arrival = (table.column(name).to_numpy() for name in ("k", "t", "arrival_id"))
    metric_values = {m: table.column(m).fill_null(0.0).to_numpy() for m in metrics}
    metric_present = {m: ~table.column(m).is_null().to_numpy(zero_copy_only=False) for m in metrics}
    result = {}
    edges = np.searchsorted(unit_index, np.arange(len(units) + 1))
    for k, unit in enumerate(units):
        lo_row, hi_row = edges[k], edges[k + 1]
        if lo_row == hi_row:
            continue
        values = {m: metric_values[m][lo_row:hi_row] for m in metrics}
        present = {m: metric_present[m][lo_row:hi_row] for m in metrics}
        result[unit] = UnitReadings(times[lo_row:hi_row], arrival[lo_row:hi_row], values, present)
    return result


def next_event_ids(conn: Connection, n: int) -> list[int]:
    if n == 0:
        return []
    return sorted(int(r[0]) for r in conn.query(
        "SELECT nextval('alert_events_id_seq') FROM generate_series(1, ?)", (n,)))


def insert_events(conn: Connection, rows: list[tuple]) -> int:
    return conn.insert_rows("alert_events", EVENT_COLUMNS, rows)


def clear_events(conn: Connection, clears: list[tuple[datetime, float, float, str | None, int]]) -> None:
    """(clear_at, clear_value, peak_value, note, event_id): close events opened by earlier passes."""
    conn.executemany(
        "UPDATE alert_events SET status = 'cleared', clear_at = ?, clear_value = ?, peak_value = ?,"
        " notes = COALESCE(?, notes) WHERE id = ? AND status = 'active'", clears)


def replace_states(conn: Connection, rule_ids: list[int], rows: list[tuple]) -> None:
    conn.execute("DELETE FROM alert_state WHERE rule_id = ANY(?)", (rule_ids,))
    conn.insert_rows("alert_state", STATE_COLUMNS, rows)


def active_events(conn: Connection, limit: int = 50) -> list[dict]:
    return conn.query_dicts(
        "SELECT id, unit_id, rule_name, metric, threshold_db, onset_at, onset_value, peak_value,"
        " acknowledged_by FROM alert_events WHERE status = 'active' ORDER BY onset_at DESC, id LIMIT ?",
        (limit,))
