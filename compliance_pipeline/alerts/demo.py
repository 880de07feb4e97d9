"""Demo data: sound-meter units with a few days of 1-minute snapshots and rules that fire.

Three units per `scale` step (scale multiplies units), readings up to the anchor day's
end, a quiet night / busy day level curve with noise and an occasional dropped reading,
and three planted episodes: a night-time exceedance (New York schedule 22:00-07:00), a
daytime lmax spike, and a signal loss caught by a 'below' rule.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from compliance_pipeline.warehouse import Warehouse

DAYS = 3
SNAPSHOT_COLUMNS = ["unit_id", "observed_at", "lp", "leq", "lmax", "lmin", "lpeak", "ln1", "ln2"]
RULE_TEMPLATES = (
    {"name": "night limit", "metric": "leq", "comparison": "above", "threshold_db": 55.0, "duration_s": 300.0,
     "clear_margin_db": 3.0, "schedule_start": "22:00", "schedule_end": "07:00", "timezone": "America/New_York"},
    {"name": "weekday lmax spike", "metric": "lmax", "comparison": "above", "threshold_db": 85.0,
     "clear_margin_db": 2.0, "schedule_start": "07:00", "schedule_end": "19:00", "schedule_days": "0,1,2,3,4",
     "timezone": "Europe/London"},
    {"name": "signal lost", "metric": "lmin", "comparison": "below", "threshold_db": 20.0, "duration_s": 120.0,
     "clear_margin_db": 5.0},
)


def unit_readings(rng: np.random.Generator, start: datetime, minutes: int, kind: int) -> dict[str, np.ndarray]:
    """One unit's minute series; `kind` picks which planted episode (0 night, 1 spike, 2 signal loss)."""
    t = np.arange(minutes)
    ny_hour = ((start.hour - 5) * 60 + start.minute + t) % 1440 / 60.0  # New York (EST) hour of day
    base = 47.0 + 11.0 * np.clip(np.sin((ny_hour - 6.0) / 24.0 * 2 * np.pi) * 1.6, 0, 1)
    leq = base + rng.normal(0, 1.5, minutes)
    lmax = leq + 8 + rng.gamma(2.0, 2.0, minutes)
    lmin = leq - 8 + rng.normal(0, 1.0, minutes)
    last_night = minutes - 1440 + 8 * 60  # 03:00 New York on the anchor day
    if kind == 0:
        leq[last_night:last_night + 40] += 16.0
    elif kind == 1:
        spike = minutes - 1440 + 15 * 60 + 30  # 15:30 UTC on the anchor day
        lmax[spike:spike + 3] = 92.0
    else:
        loss = minutes - 2 * 1440 + 12 * 60
        lmin[loss:loss + 6] = 12.0
    leq[rng.random(minutes) < 0.002] = np.nan  # a dropped reading now and then (stored as NULL)
    return {"lp": leq + rng.normal(0, 0.5, minutes), "leq": leq, "lmax": lmax, "lmin": lmin,
            "lpeak": lmax + 12, "ln1": lmax - 3, "ln2": lmax - 5}


def snapshot_rows(seed: int, units: list[str], start: datetime, minutes: int):
    rng = np.random.default_rng(seed)
    stamps = [start + timedelta(minutes=i) for i in range(minutes)]
    for k, unit in enumerate(units):
        series = unit_readings(rng, start, minutes, k % 3)
        columns = [np.round(series[c], 1).tolist() for c in SNAPSHOT_COLUMNS[2:]]
        for i, stamp in enumerate(stamps):
            yield (unit, stamp, *(None if col[i] != col[i] else col[i] for col in columns))


def load_demo(warehouse: Warehouse, *, seed: int, scale: int, anchor: date) -> dict:
    from compliance_pipeline.alerts import rule_store
    from compliance_pipeline.outbox.topics import ALERT_WEBHOOK as TOPIC

    units = [f"SLM-{k + 1:03d}" for k in range(3 * scale)]
    start = datetime.combine(anchor - timedelta(days=DAYS - 1), time(0), tzinfo=timezone.utc)
    with warehouse.transaction() as conn:
        for table in ("alert_events", "alert_state", "alert_rules", "monitor_snapshots"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM outbox WHERE topic = ?", (TOPIC,))
        snapshots = conn.insert_rows("monitor_snapshots", SNAPSHOT_COLUMNS,
                                     snapshot_rows(seed, units, start, DAYS * 1440))
        for k, unit in enumerate(units):
            rule_store.add_rule(conn, {"unit_id": unit, **RULE_TEMPLATES[k % 3]})
    return {"monitor_snapshots": snapshots, "alert_rules": len(units), "units": len(units)}
