"""A faithful re-implementation of seed 001's BudgetAuditLog (pandas, one parquet file).

Used by the parity tests and the benchmark: every append reads the whole file, concatenates
one row and rewrites the file, and the rollups load everything into pandas, as the seed does.
(Unlike the seed it does not swallow exceptions: a test should see them.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path


class SeedAuditLog:
    def __init__(self, path: Path, capacity_kw: float = 100.0, max_reduction_pct: float = 5.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.capacity_kw = capacity_kw
        self.max_reduction_pct = max_reduction_pct

    def log_slot(self, record: dict) -> None:
        import pandas as pd

        row = dict(record)
        row["date"] = str(row["timestamp"].date())
        new_row = pd.DataFrame([row])
        if self.path.exists():
            new_row = pd.concat([pd.read_parquet(self.path), new_row], ignore_index=True)
        new_row.to_parquet(self.path, index=False)

    def load(self):
        import pandas as pd

        return pd.read_parquet(self.path) if self.path.exists() else pd.DataFrame()

    def daily_summary(self, target_date: date) -> dict:
        frame = self.load()
        if frame.empty:
            return {"error": "No audit data"}
        day = frame[frame["date"] == str(target_date)]
        if day.empty:
            return {"date": str(target_date), "slots": 0, "total_cost_kwh": 0.0}
        return {
            "date": str(target_date),
            "slots": len(day),
            "total_cost_kwh": round(float(day["energy_cost_kwh"].sum()), 4),
            "interventions": int(day["gate_passed"].sum()),
            "max_offset_deg": round(float(day["actual_offset_deg"].abs().max()), 1),
            "budget_remaining_kwh": round(float(day["budget_remaining_kwh"].iloc[-1]), 4),
        }

    def weekly_report(self) -> dict:
        frame = self.load()
        if frame.empty:
            return {"error": "No audit data"}
        return seed_weekly_formulas(frame, self.capacity_kw, self.max_reduction_pct)


def seed_weekly_formulas(frame, capacity_kw: float, max_reduction_pct: float) -> dict:
    total_cost = float(frame["energy_cost_kwh"].sum())
    days = frame["date"].nunique()
    ceiling_kwh = capacity_kw * 6.0 * 365 * max_reduction_pct / 100.0
    daily_rate = total_cost / days if days > 0 else 0
    projected_annual = daily_rate * 365 if days > 0 else 0
    return {
        "period_days": days,
        "total_cost_kwh": round(total_cost, 3),
        "daily_avg_kwh": round(daily_rate, 4),
        "projected_annual_kwh": round(projected_annual, 1),
        "ceiling_kwh": round(ceiling_kwh, 1),
        "ceiling_pct": max_reduction_pct,
        "utilization_pct": round(projected_annual / ceiling_kwh * 100, 1) if ceiling_kwh > 0 else 0,
        "compliant": projected_annual <= ceiling_kwh,
        "total_interventions": int(frame["gate_passed"].sum()),
        "intervention_rate_pct": round(float(frame["gate_passed"].mean()) * 100, 1),
    }


def seed_log_with_rows(path: Path, rows: list[dict], **settings) -> SeedAuditLog:
    """The seed's log after appending `rows` one by one (written in one go: same file content)."""
    import pandas as pd

    log = SeedAuditLog(path, **settings)
    if rows:
        frame = pd.DataFrame([{**r, "date": str(r["timestamp"].date())} for r in rows])
        frame.to_parquet(path, index=False)
    return log
