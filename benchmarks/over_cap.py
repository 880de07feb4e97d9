"""over_cap benchmark on PostgreSQL (and the plan on DuckDB).

Data: 20,000 accesses x 25 completed works (500,000) x 2 visits (1,000,000), one claim limit
per access. Two sets on the same rows: every limit 20 (worst case: 100,000 over-cap works +
200,000 visits), then 95% of the limits raised to 30 (5% over: 5,000 works + 10,000 visits).

1. Plan: the per-limit loop of the original script (one query per claim limit, plus one for
   the over-cap tail's visits, as its Django code issues them), on the same indexes, vs ours
   (one query, rows into Arrow). Targets: >= 15x (worst case), >= 5x (5% over). And ours vs its
   floor: the finished plan's rows stored in a table and fetched into Arrow (COPY on
   PostgreSQL): <= 2x, on both backends.
2. Apply: our one-transaction apply (locks, re-derive under lock, log, batched set-based
   flips, accrual recompute, commit) vs a bare `UPDATE ... WHERE id = ANY(...)` of the same
   rows. Target: ours within 3x.

    .venv/bin/python benchmarks/over_cap.py [--accesses N] [--skip-apply]

PostgreSQL: COMPLIANCE_TEST_PG_URL if set, else an embedded server in a temp folder.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from support import pg_server
from support.scratch import scratch_folder

from compliance_pipeline.over_cap import apply, storage
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.arrow_fetch import fetch_arrow
from compliance_pipeline.warehouse.schema import init_schema

WORKS_PER_ACCESS, VISITS_PER_WORK, MAX_VISITS = 25, 2, 20
T0 = datetime(2025, 6, 1, tzinfo=timezone.utc)
NOW = datetime(2025, 9, 1, tzinfo=timezone.utc)


def build(wh: Warehouse, accesses: int) -> None:
    works = ((a * WORKS_PER_ACCESS + k + 1, a + 1, 1, f"e{a}-{k}", "approved",
              T0 + timedelta(minutes=(k * 7919 + a) % 100_000), None, 1, 500, 100)
             for a in range(accesses) for k in range(WORKS_PER_ACCESS))
    visits = ((cw * VISITS_PER_WORK + v + 1, cw // WORKS_PER_ACCESS + 1, cw + 1, f"x{cw}-{v}",
               f"e{cw}", "approved", T0, None)
              for cw in range(accesses * WORKS_PER_ACCESS) for v in range(VISITS_PER_WORK))
    with wh.transaction() as conn:
        conn.insert_rows("opportunity", ["id", "opportunity_id", "name"],
                         [(1, "21bca9f7-00f9-4804-a7c0-e77c6139e579", "bench")])
        conn.insert_rows("payment_unit", ["id", "opportunity_id", "name", "amount", "org_amount"],
                         [(1, 1, "visit", 500, 100)])
        conn.insert_rows("opportunity_access",
                         ["id", "opportunity_id", "user_id", "suspended", "payment_accrued"],
                         ((a + 1, 1, f"u{a}", False, 500 * WORKS_PER_ACCESS) for a in range(accesses)))
        conn.insert_rows("opportunity_claim_limit",
                         ["id", "opportunity_access_id", "payment_unit_id", "max_visits"],
                         ((a + 1, a + 1, 1, MAX_VISITS) for a in range(accesses)))
        conn.insert_rows("completed_work",
                         ["id", "opportunity_access_id", "payment_unit_id", "entity_id", "status",
                          "date_created", "status_modified_date", "saved_approved_count",
                          "saved_payment_accrued", "saved_org_payment_accrued"], works)
        conn.insert_rows("user_visit",
                         ["id", "opportunity_access_id", "completed_work_id", "xform_id",
                          "entity_id", "status", "date_created", "status_modified_date"], visits)
    _vacuum(wh)


def _vacuum(wh: Warehouse, full: bool = False) -> None:
    with wh.connect() as conn:  # autocommit: VACUUM cannot run in a transaction
        for table in ("completed_work", "user_visit", "opportunity_access", "opportunity_claim_limit"):
            conn.execute(f"VACUUM {'FULL ' if full else ''}ANALYZE {table}")
        conn.execute("ANALYZE")


def seed_loop(wh: Warehouse, opportunity_pk: int) -> tuple[set[int], set[int], int]:
    """Faithful copy of the seed: for each claim limit, fetch its counted completed works in
    date order; if over, take the tail and fetch the tail's visits."""
    works, visits, queries = set(), set(), 1
    with wh.connect() as conn:
        limits = conn.query(
            "SELECT cl.id, cl.opportunity_access_id, cl.payment_unit_id, cl.max_visits"
            " FROM opportunity_claim_limit cl JOIN opportunity_access a"
            " ON a.id = cl.opportunity_access_id WHERE a.opportunity_id = ?", (opportunity_pk,))
        for _id, access_id, unit_id, max_visits in limits:
            ids = [r[0] for r in conn.query(
                "SELECT id FROM completed_work WHERE opportunity_access_id = ? AND payment_unit_id = ?"
                " AND status IN ('pending', 'approved') ORDER BY date_created, id",
                (access_id, unit_id))]
            queries += 1
            if len(ids) > max_visits:
                queries += 1
                tail = ids[max_visits:]
                works.update(tail)
                visits.update(r[0] for r in conn.query(
                    "SELECT id FROM user_visit WHERE completed_work_id = ANY(?)"
                    " AND status <> 'over_limit'", (tail,)))
    return works, visits, queries


def ours(wh: Warehouse, opportunity_pk: int):
    """The plan's rows into Arrow: what the loop computes (works and their visits), columnar."""
    with wh.connect() as conn:
        return storage.fetch_plan_rows(conn, opportunity_pk)


def ours_objects(wh: Warehouse, opportunity_pk: int) -> tuple[set[int], set[int]]:
    with wh.connect() as conn:
        found = storage.find_over_cap(conn, opportunity_pk)
    return {w.completed_work_id for w in found}, {v for w in found for v, _ in w.visits}


def as_sets(rows) -> tuple[set[int], set[int]]:
    return (set(rows.column("completed_work_id").to_pylist()),
            {v for v in rows.column("visit_id").to_pylist() if v is not None})


def ours_and_floor(wh: Warehouse, opportunity_pk: int, rounds: int = 5):
    """Best seconds of ours (the plan's rows into Arrow) and of its floor (the finished plan's
    rows, stored in a table, fetched into Arrow the same way: what no plan query can beat),
    timed alternately on one open connection so that a busy moment of the machine hits both.
    Also the two halves of each, to show where the gap is: finding the rows without shipping
    any (`count(*)` over the plan query; over the floor's table: its scan), so that
    floor - its scan = what shipping the rows costs, which ours pays as well."""
    with wh.connect() as conn:
        conn.execute("DROP TABLE IF EXISTS bench_plan_floor")
        conn.execute(f"CREATE TABLE bench_plan_floor AS SELECT * FROM ({storage.plan_sql(conn, True)}) p",
                     [opportunity_pk])
        if conn.is_postgres:
            conn.execute("VACUUM ANALYZE bench_plan_floor")
        best = dict.fromkeys(("ours", "floor", "find", "scan"), float("inf"))
        find_sql = f"SELECT count(*) FROM ({storage.plan_sql(conn, True)}) p"
        for _ in range(rounds):
            ours_s, rows = timed(storage.fetch_plan_rows, conn, opportunity_pk)
            for key, seconds in (("ours", ours_s),
                                 ("floor", timed(fetch_arrow, conn, "SELECT * FROM bench_plan_floor")[0]),
                                 ("find", timed(conn.query, find_sql, [opportunity_pk])[0]),
                                 ("scan", timed(conn.query, "SELECT count(*) FROM bench_plan_floor")[0])):
                best[key] = min(best[key], seconds)
        conn.execute("DROP TABLE bench_plan_floor")
    return best, rows


def best_of(n: int, fn, *args):
    best, result = float("inf"), None
    for _ in range(n):
        seconds, result = timed(fn, *args)
        best = min(best, seconds)
    return best, result


def copy_to_duckdb(pg: Warehouse, duck: Warehouse) -> None:
    init_schema(duck)
    with pg.connect() as src, duck.transaction() as dst:
        for table in ("opportunity", "payment_unit", "opportunity_access", "opportunity_claim_limit",
                      "completed_work", "user_visit"):
            dst.insert_arrow(table, fetch_arrow(src, f"SELECT * FROM {table}"))


def plan_rows(label: str, wh: Warehouse, seed_s: float | None, target: str) -> list[tuple]:
    best, rows = ours_and_floor(wh, 1)
    ours_s, floor_s = best["ours"], best["floor"]
    shipping_s = max(floor_s - best["scan"], 0.0)
    objects_s, _ = best_of(1, ours_objects, wh, 1)
    found = f"{len(set(rows.column('completed_work_id').to_pylist())):,} works, {rows.num_rows:,} rows"
    result = []
    if seed_s is not None:
        result.append((f"{label}: original per-limit loop", seed_s, ""))
        result.append((f"{label}: ours, rows into Arrow ({found})", ours_s,
                       f"{seed_s / ours_s:.1f}x faster than the loop (target {target})"))
    else:
        result.append((f"{label}: ours, rows into Arrow ({found})", ours_s, ""))
    result.append((f"{label}: floor, the finished rows from a table into Arrow", floor_s,
                   f"ours = {ours_s / floor_s:.2f}x the floor (target <= 2x)"))
    result.append((f"{label}: ours, finding the rows only (count(*): nothing shipped, no columns built)", best["find"],
                   f"{best['find'] / floor_s:.2f}x the floor before one row is shipped"))
    result.append((f"{label}: shipping the rows (floor minus its table scan)", shipping_s,
                   f"find + ship = {(best['find'] + shipping_s) / floor_s:.2f}x the floor"))
    result.append((f"{label}: ours as plan objects (find_over_cap)", objects_s,
                   "" if seed_s is None else f"{seed_s / objects_s:.1f}x faster than the loop"))
    return result


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def bare_update(wh: Warehouse, work_ids: list[int], visit_ids: list[int]) -> None:
    with wh.transaction() as conn:
        conn.execute("UPDATE completed_work SET status = 'over_limit', status_modified_date = ?"
                     " WHERE id = ANY(?)", (NOW, work_ids))
        conn.execute("UPDATE user_visit SET status = 'over_limit', status_modified_date = ?"
                     " WHERE id = ANY(?)", (NOW, visit_ids))


def restore(wh: Warehouse, work_ids: list[int], visit_ids: list[int]) -> None:
    with wh.transaction() as conn:
        conn.execute("UPDATE completed_work SET status = 'approved', status_modified_date = NULL"
                     " WHERE id = ANY(?)", (work_ids,))
        conn.execute("UPDATE user_visit SET status = 'approved', status_modified_date = NULL"
                     " WHERE id = ANY(?)", (visit_ids,))
    _vacuum(wh, full=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accesses", type=int, default=20_000)
    parser.add_argument("--skip-apply", action="store_true", help="plan measurements only")
    args = parser.parse_args()
    with scratch_folder("over_cap_bench_") as workdir:
        run(args, workdir)


def run(args: argparse.Namespace, workdir: Path) -> None:
    admin_url, server = pg_server.start_server_url(workdir)
    name, url = pg_server.create_database(admin_url)
    try:
        wh = Warehouse(url)
        init_schema(wh)
        setup, _ = timed(build, wh, args.accesses)
        n_works = args.accesses * WORKS_PER_ACCESS
        print(f"data: {args.accesses:,} accesses, {n_works:,} completed works, "
              f"{n_works * VISITS_PER_WORK:,} visits (built in {setup:.1f}s)", flush=True)
        duck = Warehouse(f"duckdb:///{workdir / 'plan.duckdb'}")
        copy_to_duckdb(wh, duck)
        rows = []
        for label, raise_limits in (("worst case, every limit over", False), ("5% of limits over", True)):
            if raise_limits:
                for target in (wh, duck):
                    with target.transaction() as conn:
                        conn.execute("UPDATE opportunity_claim_limit SET max_visits = 30 WHERE id % 20 <> 0")
                _vacuum(wh)  # as autovacuum leaves it after 19,000 limits changed
            seed_s, (*seed_found, queries) = timed(seed_loop, wh, 1)
            _, arrow_rows = timed(ours, wh, 1)
            assert tuple(seed_found) == as_sets(arrow_rows), "plans differ"
            assert as_sets(arrow_rows) == ours_objects(wh, 1) == ours_objects(duck, 1), "plans differ"
            rows += plan_rows(f"PG {label}", wh, seed_s, ">= 5x" if raise_limits else ">= 15x")
            derive_s, _ = best_of(3, apply.plan_only, wh, None, False, NOW, False)
            rows.append((f"PG {label}: full derive, what a user waits for (validate + query + accruals"
                         " + digest + objects)", derive_s, f"{seed_s / derive_s:.1f}x faster than the loop"))
            rows += plan_rows(f"DuckDB {label}", duck, None, "")
            print(f"[{label}] the loop issued {queries:,} queries ({seed_s / queries * 1000:.3f} ms each)",
                  flush=True)
        with wh.transaction() as conn:
            conn.execute("UPDATE opportunity_claim_limit SET max_visits = ?", (MAX_VISITS,))
        plan = apply.plan_only(wh, None, False, NOW, save=False)
        if not args.skip_apply:
            work_ids = [w.completed_work_id for w in plan.works]
            visit_ids = sorted(v for w in plan.works for v, _ in w.visits)
            # The production flow: a plan is stored and reviewed, then applied by its plan_id.
            reviewed = apply.plan_only(wh, None, False, NOW)
            _vacuum(wh, full=True)  # both updates start from the same freshly packed tables
            bare_s, _ = timed(bare_update, wh, work_ids, visit_ids)
            restore(wh, work_ids, visit_ids)
            apply_s, report = timed(apply.remediate, wh, run_id="bench", now=NOW, dry_run=False,
                                    plan_id=reviewed.plan_id, batch_size=500)
            assert report["completed_works"] == len(work_ids) and report["visits"] == len(visit_ids)
            rows += [
                (f"apply: bare UPDATE of {len(work_ids):,} works + {len(visit_ids):,} visits", bare_s, ""),
                ("apply: ours (reviewed plan_id, one transaction, batch 500)", apply_s,
                 f"{apply_s / bare_s:.2f}x the bare UPDATE (target <= 3x)"),
            ]
        print("\n| step | seconds | ratio |\n| --- | --- | --- |")
        for label, seconds, ratio in rows:
            print(f"| {label} | {seconds:.3f} | {ratio} |")
        del plan
    finally:
        pg_server.drop_database(admin_url, name)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
