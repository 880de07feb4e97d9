"""Demo data: several weeks of 15-minute control-loop ticks ending on the anchor day.

Written through BudgetAuditLog.log_slots in 6-hour batches (so each day has files to compact).
Energy is sacrificed only in daylight and the live gate passes rarely. The overall projection
stays under the ceiling; the second-to-last week (clear skies, an eager controller) is a high
week above it, so the weekly figures show a spike while the ceiling check passes.
"""

from __future__ import annotations

import fcntl
import math
import os
import random
import shutil
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from compliance_pipeline.budget_audit import storage
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.core import SlotRecord
from compliance_pipeline.budget_audit.log_batches import BATCH_LOCK, BATCHES
from compliance_pipeline.budget_audit.log_files import file_lock
from compliance_pipeline.budget_audit.parquet_log import DAY_PREFIX
from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Warehouse

WEEKS = 6
TICKS_PER_DAY = 96
TICKS_PER_BATCH = 24
DAILY_BUDGET_KWH = 30.0  # the default ceiling (10,950 kWh/year) spread over 365 days
STAGES = ("stage-a", "stage-b")


def load_demo(warehouse: Warehouse, *, seed: int, scale: int, anchor: date,
              log: BudgetAuditLog | None = None) -> dict:
    log = log or BudgetAuditLog()
    if log.path.exists() and not log.path.is_dir():
        raise InputError(f"BUDGET_AUDIT_DIR {log.path} is not a folder")
    rng = random.Random(seed)
    days = WEEKS * 7 * scale
    first = anchor - timedelta(days=days - 1)
    high_week = {first + timedelta(days=days - 14 + i) for i in range(7)}
    # Built aside, then swapped in by renames: a failure before the swap leaves the old log.
    staging = log.path.parent / f".{log.path.name}.demo-staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staged = BudgetAuditLog(staging, log.settings)
        files = ticks = 0
        for offset in range(days):
            day = first + timedelta(days=offset)
            records = _day_ticks(rng, day, high=day in high_week)
            for start in range(0, len(records), TICKS_PER_BATCH):
                ticks += staged.log_slots(records[start:start + TICKS_PER_BATCH])
                files += 1
        storage.clear_outputs(warehouse)
        _swap_day_folders(staging, log.path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"ticks": ticks, "days": days, "files": files, "first_day": first.isoformat(),
            "audit_dir": str(log.path)}


def _swap_day_folders(staging: Path, target: Path) -> None:
    """Replace target's day folders by staging's and drop its batch markers (a retried batch id
    of the replaced log must append again, not answer "already committed"); undone on failure."""
    target.mkdir(parents=True, exist_ok=True)
    # Like the compactor, wait for any batch being written to commit, and hold off new ones: a
    # batch committing mid-swap would leave its marker in the new log and its files in the old.
    with file_lock(target, BATCH_LOCK, fcntl.LOCK_EX):
        _swap(staging, target)


def _swap(staging: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.demo-old-{os.getpid()}"
    old.mkdir()
    moved_out, moved_in = [], []
    replaced = sorted(target.glob(f"{DAY_PREFIX}*")) + [p for p in [target / BATCHES] if p.is_dir()]
    try:
        for folder in replaced:
            folder.rename(old / folder.name)
            moved_out.append(folder.name)
        for folder in sorted(staging.glob(f"{DAY_PREFIX}*")):
            folder.rename(target / folder.name)
            moved_in.append(folder.name)
    except BaseException:
        for name in moved_in:
            (target / name).rename(staging / name)
        for name in moved_out:
            (old / name).rename(target / name)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _day_ticks(rng: random.Random, day: date, *, high: bool) -> list[SlotRecord]:
    midnight = datetime.combine(day, time(0), tzinfo=timezone.utc)
    # The high week: clear skies and an eager controller (more gates, more sacrifice per tick).
    cloudiness = rng.uniform(1.1, 1.3) if high else rng.uniform(0.4, 1.3)
    intensity = 1.6 if high else 1.0
    spent = 0.0
    records = []
    for slot in range(TICKS_PER_DAY):
        hour = slot / 4
        sun = max(0.0, math.sin(math.pi * (hour - 6) / 12))  # daylight 06:00-18:00 UTC
        planned = round(55 * math.cos(math.pi * (hour - 6) / 12), 2) if sun > 0 else 0.0
        gate = sun > 0.2 and rng.random() < 0.08 * intensity
        cost = round(sun * 0.6 * cloudiness * intensity * rng.uniform(0.7, 1.3), 4) if sun > 0 else 0.0
        spent += cost
        records.append(SlotRecord(
            timestamp=midnight + timedelta(minutes=15 * slot), date=day.isoformat(), slot_index=slot,
            planned_offset_deg=planned,
            actual_offset_deg=round(planned + (rng.uniform(-12, 12) if gate else rng.uniform(-0.5, 0.5)), 2),
            energy_cost_kwh=cost, budget_spent_kwh=round(spent, 4),
            budget_remaining_kwh=round(DAILY_BUDGET_KWH - spent, 4), gate_passed=gate,
            source="live" if gate else "plan", stage_id=STAGES[slot % 2],
        ))
    return records
