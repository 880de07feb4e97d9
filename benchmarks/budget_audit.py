"""Budget audit benchmark: flat appends vs the seed's read-concat-rewrite, and the weekly scan.

    .venv/bin/python benchmarks/budget_audit.py          # ~1-2 minutes
    .venv/bin/python benchmarks/budget_audit.py --full   # 100,000 real fsynced appends (~12 min)

1. Append cost at 100 rows vs at 100,000 rows (median of a window of single-row `log_slot`s).
   By default the 99,900 one-row files between the two windows are byte copies of a real
   one-row append (same folder, same naming), because 100,000 fsynced appends take ~12 minutes
   here; --full makes them real appends. Target: at 100,000 within 1.5x of at 100.
2. One append with both logs pre-filled to 100,000 rows: ours vs the seed's (pandas reads the
   whole file, concatenates one row, rewrites it). Target: ours >= 10x cheaper.
3. weekly_report over 10,000,000 rows (100 days x 100,000, one file per day, as after
   compaction) vs DuckDB's bare `SELECT sum(energy_cost_kwh), count(DISTINCT date)` over the
   same files. Target: within 3x. The seed's pandas weekly_report on the same rows is shown too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from reference.budget_audit_original import SeedAuditLog
from support.scratch import scratch_folder

from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.parquet_log import arrow_schema, day_dir

T0 = datetime(2025, 3, 3, tzinfo=timezone.utc)
WINDOW = 200


def tick(i: int) -> dict:
    return {"timestamp": T0 + timedelta(seconds=i % 86_000), "slot_index": i, "planned_offset_deg": 1.0,
            "actual_offset_deg": 2.0, "energy_cost_kwh": 0.25, "budget_spent_kwh": 1.0,
            "budget_remaining_kwh": 29.0, "gate_passed": i % 20 == 0, "source": "bench", "stage_id": "s1"}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def append_window(log: BudgetAuditLog, first: int) -> float:
    os.sync()  # start each window with no dirty pages of earlier writes queued before our fsyncs
    return statistics.median(timed(lambda i=i: log.log_slot(tick(i))) for i in range(first, first + WINDOW))


def bench_appends(work: Path, full: bool) -> list[tuple]:
    log = BudgetAuditLog(work / "ours")
    for i in range(100):
        log.log_slot(tick(i))
    at_100 = append_window(log, 100)  # appends #101..#300
    folder = day_dir(log.path, T0.date())
    template = next(folder.glob("*.parquet")).read_bytes()
    count = 100 + WINDOW
    if full:
        for i in range(count, 100_000 - WINDOW // 2):
            log.log_slot(tick(i))
    else:
        for i in range(count, 100_000 - WINDOW // 2):  # same folder, same names as real appends
            (folder / f"{time.time_ns():020d}-p-copy{i:06d}.parquet").write_bytes(template)
    at_100k = append_window(log, 100_000 - WINDOW // 2)  # appends #99,901..#100,100

    seed = SeedAuditLog(work / "seed" / "slot_log.parquet")
    _prefill_seed(seed, 100_000)
    os.sync()
    seed_at_100k = statistics.median(timed(lambda i=i: seed.log_slot(tick(i))) for i in range(5))
    return [
        ("ours: one append at ~100 rows", at_100, None),
        ("ours: one append at ~100,000 rows", at_100k, f"{at_100k / at_100:.2f}x of at-100 (target <= 1.5x)"),
        ("seed: one append at 100,000 rows", seed_at_100k,
         f"ours {seed_at_100k / at_100k:.0f}x cheaper (target >= 10x)"),
    ]


def _prefill_seed(seed: SeedAuditLog, rows: int) -> None:
    import pandas as pd

    frame = pd.DataFrame([tick(i) for i in range(rows)])
    frame["date"] = frame["timestamp"].dt.date.astype(str)
    frame.to_parquet(seed.path, index=False)


def bench_weekly(work: Path, days: int, rows_per_day: int, with_seed: bool) -> list[tuple]:
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = work / "scan"
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for d in range(days):
        day = T0.date() + timedelta(days=d)
        seconds = np.sort(rng.integers(0, 86_400_000_000, rows_per_day))
        stamps = np.datetime64(day.isoformat(), "us") + seconds.astype("timedelta64[us]")
        sun = np.clip(np.sin(np.pi * (seconds / 3.6e9 - 6) / 12), 0, None)
        table = pa.table({
            "timestamp": pa.array(stamps, pa.timestamp("us", tz="UTC")),
            "date": pa.array([day.isoformat()] * rows_per_day),
            "slot_index": np.arange(rows_per_day, dtype=np.int64),
            "planned_offset_deg": rng.normal(0, 20, rows_per_day),
            "actual_offset_deg": rng.normal(0, 20, rows_per_day),
            "energy_cost_kwh": sun * rng.uniform(0, 0.002, rows_per_day),
            "budget_spent_kwh": np.zeros(rows_per_day),
            "budget_remaining_kwh": np.full(rows_per_day, 30.0),
            "gate_passed": rng.random(rows_per_day) < 0.05,
            "source": pa.array(["bench"] * rows_per_day),
            "stage_id": pa.array(["s1"] * rows_per_day),
        }, schema=arrow_schema())
        folder = day_dir(root, day)
        folder.mkdir(parents=True)
        pq.write_table(table, folder / f"{time.time_ns():020d}-p-bench.parquet", compression="zstd")
    print(f"  (wrote {days * rows_per_day:,} rows in {time.perf_counter() - start:.0f}s)", flush=True)

    log = BudgetAuditLog(root)
    bare_sql = f"SELECT sum(energy_cost_kwh), count(DISTINCT date) FROM read_parquet('{root}/*/*.parquet')"

    def bare():
        with duckdb.connect() as con:
            return con.execute(bare_sql).fetchall()

    bare(), log.weekly_report()  # warm the page cache for both
    bare_s = min(timed(bare) for _ in range(3))
    ours_s = min(timed(log.weekly_report) for _ in range(3))
    results = [
        (f"DuckDB bare sum + count(DISTINCT date), {days * rows_per_day:,} rows", bare_s, None),
        (f"ours: weekly_report, {days * rows_per_day:,} rows", ours_s, f"{ours_s / bare_s:.2f}x of bare (target <= 3x)"),
    ]
    if with_seed:
        import pandas as pd

        def seed_weekly():
            from reference.budget_audit_original import seed_weekly_formulas

            frame = pd.concat([pd.read_parquet(f) for f in sorted(root.glob("*/*.parquet"))], ignore_index=True)
            return seed_weekly_formulas(frame, 100.0, 5.0)

        seed_s = timed(seed_weekly)
        results.append((f"seed: pandas load + weekly_report, {days * rows_per_day:,} rows", seed_s,
                        f"ours {seed_s / ours_s:.1f}x faster"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="100,000 real fsynced appends (~12 min)")
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--rows-per-day", type=int, default=100_000)
    parser.add_argument("--no-seed-scan", action="store_true", help="skip the seed's pandas weekly_report")
    args = parser.parse_args()
    with scratch_folder("budget_bench_") as work:
        print("budget_audit benchmark", "(full)" if args.full else "", flush=True)
        rows = bench_appends(work, args.full)
        rows += bench_weekly(work, args.days, args.rows_per_day, not args.no_seed_scan)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measurement':<{width}}  {'seconds':>10}  ratio")
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:>10.5f}  {note or ''}")


if __name__ == "__main__":
    main()
