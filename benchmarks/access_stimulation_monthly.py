"""Benchmark: the monthly 47 CFR 61.3(bbb) status vs a bare GROUP BY profile, month.

    .venv/bin/python benchmarks/access_stimulation_monthly.py [--profiles 10000] [--months 36]
                                                              [--repeat 3] [--backend both|duckdb|postgresql]

Data (generated in SQL, day by day as a daily ingestion writes it): `--profiles` active profiles
x `--months` calendar months of daily studies (10,000 x 36 months = ~11 M rows); every tenth
profile a rate-of-return LEC, every 50th stimulating (4-7:1) under an open-ended revenue
sharing agreement, every third with direction-tagged interstate columns. Measured, each with
opening and closing its connection, each paired with the bare query timed just before and just
after it (the faster of the two counts), ratio per repetition, median:

- from scratch: the last month's status with no stored status at all, so every profile's 36
  months are summed (one GROUP BY profile, month over all studies) and replayed month by month
  (writes the month's rows and ToDos) -- vs the bare GROUP BY profile, month over ALL studies;
- month by month: the whole backfill, 36 months in order, each carrying on from the stored
  month before (one GROUP BY over its month's studies) -- vs the same bare GROUP BY over ALL;
- one month (steady state, as the schedule meets it): the last month again, the months it needs
  stored -- vs the bare GROUP BY profile, month over that month's studies.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, datetime, timezone

from support.backends import CHOICES, bench_each_backend

# The process holds the whole code location, as a run's process does.
import compliance_pipeline.definitions  # noqa: F401
from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.access_stimulation import monthly_pass
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.schema import init_schema

FIRST = date(2023, 1, 1)
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def prepare(warehouse: Warehouse, profiles: int, months: int) -> dict:
    started = time.perf_counter()
    init_schema(warehouse)
    days = (core.add_months(FIRST, months) - FIRST).days
    with warehouse.transaction() as conn:
        conn.execute(
            "INSERT INTO cdr_ingestion_profiles (id, name, active, carrier_class)"
            " SELECT p, 'profile ' || CAST(p AS TEXT), TRUE,"
            " CASE WHEN p % 10 = 0 THEN 'rate_of_return' ELSE 'clec' END FROM generate_series(1, ?) AS g(p)",
            (profiles,))
        conn.execute(
            "INSERT INTO access_revenue_sharing_agreements (profile_id, counterparty, starts_on)"
            " SELECT p, 'partner', ? FROM generate_series(50, ?, 50) AS g(p)", (FIRST, profiles))
        # Day by day (arrival order); minutes from a cheap integer hash of (profile, day).
        conn.execute(
            """
            INSERT INTO cdr_traffic_studies (id, profile_id, generated_at, retail_minutes, wholesale_minutes,
                                             interstate_terminating_minutes, interstate_originating_minutes)
            SELECT d * ? + p, p, CAST(? AS TIMESTAMPTZ) + d * INTERVAL '1 day' + (p % 86400) * INTERVAL '1 second',
                   w * CASE WHEN p % 50 = 0 THEN 4 + (p + d) % 4 ELSE 1 + (p + d) % 2 END, w,
                   CASE WHEN p % 3 = 0 THEN w * 2 END, CASE WHEN p % 3 = 0 THEN w END
            FROM (SELECT d, p, 200 + (p * 7919 + d * 104729) % 4800 AS w
                  FROM generate_series(0, ?) AS dd(d), generate_series(1, ?) AS pp(p)) x
            ORDER BY d, p""",
            (profiles, datetime.combine(FIRST, datetime.min.time(), tzinfo=timezone.utc), days - 1, profiles))
        studies = conn.scalar("SELECT count(*) FROM cdr_traffic_studies")
    if warehouse.backend == "postgresql":
        with warehouse.connect() as conn:
            conn.execute("VACUUM ANALYZE")
    return {"profiles": profiles, "months": months, "studies": int(studies),
            "setup_s": round(time.perf_counter() - started, 1)}


def bare_group_by(warehouse: Warehouse, start: date | None, end: date) -> float:
    where, params = "generated_at < ?", [datetime.combine(end, datetime.min.time(), tzinfo=timezone.utc)]
    if start is not None:
        where += " AND generated_at >= ?"
        params.append(datetime.combine(start, datetime.min.time(), tzinfo=timezone.utc))
    started = time.perf_counter()
    with warehouse.connect() as conn:
        conn.query(f"SELECT profile_id, date_trunc('month', generated_at) AS month, SUM(retail_minutes),"
                   f" SUM(wholesale_minutes) FROM cdr_traffic_studies WHERE {where} GROUP BY profile_id, month",
                   params)
    return time.perf_counter() - started


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def paired(ours, bare, repeat: int) -> tuple[float, float, float]:
    """(median ours, median bare, median per-repetition ratio), bare = best of before/after."""
    pairs = []
    for _ in range(repeat):
        before = bare()
        mine = timed(ours)
        pairs.append((mine, min(before, bare())))
    return (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            statistics.median(p[0] / p[1] for p in pairs))


def bench_backend(warehouse: Warehouse, args) -> list[tuple[str, float, float, float]]:
    counts = prepare(warehouse, args.profiles, args.months)
    print(f"\n[{warehouse.backend}] data: {counts}", flush=True)
    months = core.months_between(FIRST, core.add_months(FIRST, args.months - 1))
    last, end = months[-1], core.add_months(months[-1], 1)
    bare_all = lambda: bare_group_by(warehouse, None, end)  # noqa: E731

    def from_scratch():
        with warehouse.transaction() as conn:
            conn.execute("DELETE FROM access_stim_monthly_status")
        monthly_pass.run(warehouse, month=last, queued_at=NOW)

    rows = [("from scratch: last month, 36 months replayed", *paired(from_scratch, bare_all, args.repeat))]

    def backfill():
        with warehouse.transaction() as conn:
            conn.execute("DELETE FROM access_stim_monthly_status")
        for month in months:
            monthly_pass.run(warehouse, month=month, queued_at=NOW)

    rows.append(("month by month: every month in order", *paired(backfill, bare_all, 1)))
    result = monthly_pass.run(warehouse, month=last, queued_at=NOW)
    print(f"[{warehouse.backend}] {core.month_label(last)}: {result.counts()}", flush=True)
    rows.append(("one month, steady state (vs that month's rows)",
                 *paired(lambda: monthly_pass.run(warehouse, month=last, queued_at=NOW),
                         lambda: bare_group_by(warehouse, last, end), args.repeat)))
    return rows


def print_table(backend: str, rows) -> None:
    print(f"\n{backend}: {'what':<48} {'ours s':>8} {'bare s':>8} {'ratio':>7}")
    for name, ours, bare, ratio in rows:
        print(f"{'':{len(backend)}}  {name:<48} {ours:>8.3f} {bare:>8.3f} {ratio:>6.2f}x")
    print("  target: ours <= 2x the bare GROUP BY profile, month over the same rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=CHOICES, default="both")
    args = parser.parse_args()
    results = bench_each_backend(args.backend, lambda warehouse: bench_backend(warehouse, args), "bench_access_stim_monthly_")
    for backend, rows in results.items():
        print_table(backend, rows)


if __name__ == "__main__":
    main()
