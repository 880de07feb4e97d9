"""Benchmark: one alert evaluation pass vs a faithful copy of seed 003's per-snapshot path.

    .venv/bin/python benchmarks/alerts.py            # 1,000,000 snapshots x 5 rules per unit
    .venv/bin/python benchmarks/alerts.py --snapshots 200000

Seed path (faithful copy of AlertEvaluator.evaluate, made synchronous, which only helps it):
per snapshot, the unit's rules from a 15 s TTL cache (a DB query on a miss), per rule the
schedule check (datetime arithmetic with the fixed TIMEZONE_OFFSET), getattr + float(), the
step, and on an onset/clear an event write on its own connection and commit. Its clock is
the snapshot time (not loop.time()) so both paths see the same readings and times. Both
paths include reading the snapshots from the warehouse.

Ours: `evaluate_pass` (set-based read, vectorized machine, one transaction).
Also: our machine over a series (`run_series`) vs the seed's `_evaluate_step` loop over the same values.
Rules use UTC schedules (TIMEZONE_OFFSET=0 for the seed) so both produce the same events.

Cost grows with what arrived, not with the history (`--history`, 3,000,000 snapshots by
default: 60 units x 50,000 minutes x 5 rules): `compliance-pipeline alerts evaluate` with
nothing new vs the same command on an empty warehouse (the CLI's floor: process start and
imports; medians of 5, run alternately), and a pass over 1,000 new snapshots on that history vs the same 1,000 snapshots on an
empty history (in-process passes, medians of 3 rounds run alternately).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas  # noqa: F401  (imported up front: the PostgreSQL read uses it; import time is not pass time)
from support.scratch import scratch_folder

from compliance_pipeline.alerts import rule_store
from compliance_pipeline.alerts.demo import SNAPSHOT_COLUMNS, unit_readings
from compliance_pipeline.alerts.evaluation import evaluate_pass
from compliance_pipeline.alerts.machine import Limits, RuleState, run_series
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.schema import init_schema

UNIT_MINUTES = 50_000  # ~35 days of 1-minute snapshots per unit
RULES = (
    {"name": "night limit", "metric": "leq", "comparison": "above", "threshold_db": 55.0, "duration_s": 300.0,
     "clear_margin_db": 3.0, "schedule_start": "03:00", "schedule_end": "12:00"},
    {"name": "lmax spike", "metric": "lmax", "comparison": "above", "threshold_db": 85.0, "clear_margin_db": 2.0,
     "schedule_days": "0,1,2,3,4"},
    {"name": "signal lost", "metric": "lmin", "comparison": "below", "threshold_db": 20.0, "duration_s": 120.0,
     "clear_margin_db": 5.0},
    {"name": "lp loud", "metric": "lp", "comparison": "above", "threshold_db": 62.0, "duration_s": 600.0,
     "clear_margin_db": 2.0},
    {"name": "ln1 high", "metric": "ln1", "comparison": "above", "threshold_db": 70.0, "duration_s": 60.0},
)
START = datetime(2026, 1, 5, tzinfo=timezone.utc)
logger = logging.getLogger("benchmarks.alerts.seed")


def build(warehouse: Warehouse, snapshots: int) -> tuple[int, list[str]]:
    init_schema(warehouse)
    units = max(1, snapshots // UNIT_MINUTES)
    minutes = snapshots // units
    rng = np.random.default_rng(7)
    stamps = [START + timedelta(minutes=i) for i in range(minutes)]
    names = [f"BENCH-{k:03d}" for k in range(units)]
    with warehouse.transaction() as conn:
        for k, unit in enumerate(names):
            series = unit_readings(rng, START, minutes, k % 3)
            columns = [np.round(series[c], 1).tolist() for c in SNAPSHOT_COLUMNS[2:]]
            rows = ((unit, stamps[i], *(None if c[i] != c[i] else c[i] for c in columns)) for i in range(minutes))
            conn.insert_rows("monitor_snapshots", SNAPSHOT_COLUMNS, rows)
            for template in RULES:
                rule_store.add_rule(conn, {"unit_id": unit, **template})
    return units * minutes, names


def reset_outputs(warehouse: Warehouse) -> None:
    with warehouse.transaction() as conn:
        for table in ("alert_events", "alert_state", "outbox"):
            conn.execute(f"DELETE FROM {table}")


# ---- faithful copy of the seed's per-snapshot path -------------------------------------------
class SeedRuleState:
    def __init__(self):
        self.phase, self.edge_since, self.peak, self.event_id = "idle", None, 0.0, None


def seed_evaluate_step(state, value, now, rule):
    duration = rule.duration_s or 0
    if state.phase == "idle":
        if (value < rule.threshold_db) if rule.comparison == "below" else (value > rule.threshold_db):
            if state.edge_since is None:
                state.edge_since = now
            if now - state.edge_since >= duration:
                state.phase, state.edge_since, state.peak = "active", None, value
                return "onset"
        else:
            state.edge_since = None
        return None
    state.peak = min(state.peak, value) if rule.comparison == "below" else max(state.peak, value)
    margin = rule.clear_margin_db or 0.0
    recovered = (value > rule.threshold_db + margin) if rule.comparison == "below" else (
        value < rule.threshold_db - margin)
    if recovered:
        if state.edge_since is None:
            state.edge_since = now
        if now - state.edge_since >= duration:
            state.phase, state.edge_since = "idle", None
            return "clear"
    else:
        state.edge_since = None
    return None


def seed_in_window(now_minutes, start, end):
    def m(s):
        h, mm = s.split(":")
        return int(h) * 60 + int(mm)
    s, e = m(start), m(end)
    if s == e:
        return True
    if s < e:
        return s <= now_minutes < e
    return now_minutes >= s or now_minutes < e


class SeedEvaluator:
    TZ_OFFSET_HOURS = 0.0
    RULE_CACHE_TTL_S = 15.0

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse
        self.states, self.rule_cache, self.events = {}, {}, 0

    def evaluate(self, unit_id, snap, observed_at, now):
        rules = self._get_rules(unit_id)
        for rule in rules:
            if not self._in_schedule(rule, observed_at):
                continue
            raw = getattr(snap, rule.metric, None)
            try:
                value = float(raw)
            except (TypeError, ValueError):
                continue
            state = self.states.setdefault((unit_id, rule.id), SeedRuleState())
            action = seed_evaluate_step(state, value, now, rule)
            if action == "onset":
                self._on_onset(unit_id, rule, value, state, observed_at)
            elif action == "clear":
                self._on_clear(unit_id, rule, value, state, observed_at)

    def _get_rules(self, unit_id):
        clock = time.monotonic()
        cached = self.rule_cache.get(unit_id)
        if cached and clock - cached[0] < self.RULE_CACHE_TTL_S:
            return cached[1]
        with self.warehouse.connect() as conn:
            rules = [r for r in rule_store.list_rules(conn, unit_id) if r.enabled]
        self.rule_cache[unit_id] = (clock, rules)
        return rules

    def _in_schedule(self, rule, observed_at):
        local = observed_at + timedelta(hours=self.TZ_OFFSET_HOURS)
        if rule.schedule_days:
            allowed = {int(d) for d in str(rule.schedule_days).split(",") if d.strip() != ""}
            if local.weekday() not in allowed:
                return False
        if not rule.schedule_start or not rule.schedule_end:
            return True
        return seed_in_window(local.hour * 60 + local.minute, rule.schedule_start, rule.schedule_end)

    def _on_onset(self, unit_id, rule, value, state, observed_at):
        with self.warehouse.transaction() as conn:
            state.event_id = conn.scalar(
                "INSERT INTO alert_events (rule_id, unit_id, rule_name, metric, comparison, threshold_db, onset_at,"
                " onset_value, peak_value, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active') RETURNING id",
                (rule.id, unit_id, rule.name, rule.metric, rule.comparison, rule.threshold_db, observed_at,
                 value, value))
        self.events += 1
        sign = "<" if rule.comparison == "below" else ">"
        logger.warning(f"[ALERT:ONSET] {unit_id} '{rule.name}': {rule.metric.upper()}={value:.1f} dB "
                       f"{sign} {rule.threshold_db:.1f} dB")

    def _on_clear(self, unit_id, rule, value, state, observed_at):
        with self.warehouse.transaction() as conn:
            if state.event_id is not None and conn.scalar("SELECT id FROM alert_events WHERE id = ?",
                                                          (state.event_id,)):
                conn.execute("UPDATE alert_events SET clear_at = ?, peak_value = ?, status = 'cleared'"
                             " WHERE id = ?", (observed_at, state.peak, state.event_id))
        state.event_id = None
        self.events += 1
        logger.warning(f"[ALERT:CLEAR] {unit_id} '{rule.name}': recovered to {value:.1f} dB (peak {state.peak:.1f} dB)")


class Snap:
    __slots__ = tuple(SNAPSHOT_COLUMNS[2:])

    def __init__(self, values):
        for name, value in zip(self.__slots__, values):
            setattr(self, name, value)


def run_seed_path(warehouse: Warehouse, units: list[str]) -> int:
    evaluator = SeedEvaluator(warehouse)
    with warehouse.connect() as conn:
        rows = conn.query(f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM monitor_snapshots WHERE unit_id = ANY(?)"
                          " ORDER BY unit_id, observed_at", (units,))
    for unit_id, observed_at, *values in rows:
        evaluator.evaluate(unit_id, Snap(values), observed_at, observed_at.timestamp())
    return evaluator.events


# ---- the measurements -------------------------------------------------------------------------
def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def step_loops(warehouse: Warehouse) -> tuple[float, float, int]:
    """The seed's _evaluate_step loop and our machine (run_series) over the same (value, time) series."""
    with warehouse.connect() as conn:
        rule = rule_store.list_rules(conn)[0]
        series = conn.query("SELECT leq, observed_at FROM monitor_snapshots WHERE leq IS NOT NULL"
                            " ORDER BY unit_id, observed_at")
    values = [v for v, _ in series]
    times = [t.timestamp() for _, t in series]
    value_array, time_array = np.array(values, dtype=float), np.array(times, dtype=float)
    best_seed = best_ours = float("inf")
    for _ in range(3):
        state = SeedRuleState()
        seed_s, _ = timed(lambda state=state: [seed_evaluate_step(state, v, t, rule)
                                               for v, t in zip(values, times)])
        ours_s, _ = timed(lambda: run_series(RuleState(), time_array, value_array, Limits.of(rule)))
        best_seed, best_ours = min(best_seed, seed_s), min(best_ours, ours_s)
    return best_seed, best_ours, len(values)


def edges_of(warehouse: Warehouse, units: list[str]) -> int:
    with warehouse.connect() as conn:
        return conn.scalar("SELECT count(*) + count(clear_at) FROM alert_events WHERE unit_id = ANY(?)", (units,))


def bench_backend(name: str, warehouse: Warehouse, snapshots: int, seed_snapshots: int) -> list[tuple]:
    build_s, (n, units) = timed(lambda: build(warehouse, snapshots))
    print(f"[{name}] built {n:,} snapshots x {len(RULES)} rules per unit in {build_s:.1f}s", flush=True)
    # The seed path opens a connection per event write; on the full set it can take far longer
    # than ours, so it runs on the first units only and is extrapolated per snapshot.
    subset = units[:max(1, round(len(units) * min(1.0, seed_snapshots / n)))]
    subset_n = n * len(subset) // len(units)
    seed_subset_s, seed_events = timed(lambda: run_seed_path(warehouse, subset))
    seed_s = seed_subset_s * n / subset_n
    print(f"[{name}] seed path {seed_subset_s:.2f}s on {subset_n:,} snapshots ({seed_events} onsets+clears)"
          f" -> {seed_s:.1f}s extrapolated to {n:,}", flush=True)
    seed_edges = edges_of(warehouse, subset)
    reset_outputs(warehouse)
    ours_s, report = timed(lambda: evaluate_pass(warehouse, now=datetime.now(timezone.utc)))
    print(f"[{name}] evaluate_pass {ours_s:.2f}s ({report.opened + report.cleared} onsets+clears)", flush=True)
    assert edges_of(warehouse, subset) == seed_edges == seed_events, (edges_of(warehouse, subset), seed_edges)
    rerun_s, rerun = timed(lambda: evaluate_pass(warehouse, now=datetime.now(timezone.utc)))
    step_seed, step_ours, steps = step_loops(warehouse)
    return [
        (name, f"one pass, {n:,} snapshots x {len(RULES)} rules (seed: {subset_n:,} measured, extrapolated)",
         seed_s, ours_s, seed_s / ours_s, ">= 10x"),
        (name, "rerun (nothing new)", None, rerun_s, None, f"{rerun.readings} readings"),
        (name, f"machine over {steps:,} readings (ours: run_series / seed: step loop)", step_seed, step_ours, step_ours / step_seed,
         "<= 1.2"),
    ]


# ---- cost grows with what arrived ------------------------------------------------------------
HISTORY_UNIT_MINUTES = 50_000
NEW_UNITS, NEW_MINUTES = 20, 50  # 1,000 new snapshots per round


def _generate_snapshots(conn, units: int, first_minute: int, minutes: int) -> None:
    """Synthetic readings generated in SQL (quick at millions of rows), mostly quiet: a few edges."""
    if conn.is_postgres:
        conn.execute(
            "INSERT INTO monitor_snapshots (unit_id, observed_at, lp, leq, lmax, lmin, lpeak, ln1, ln2)"
            " SELECT 'BENCH-' || lpad(u::text, 3, '0'), ? + (m * interval '1 minute'),"
            " 45 + random() * 10, 45 + random() * 8, 65 + random() * 15, 30 + random() * 10,"
            " 80 + random() * 20, 50 + random() * 15, 48 + random() * 10"
            " FROM generate_series(0, ? - 1) u, generate_series(?, ? - 1) m ORDER BY m, u",
            (START, units, first_minute, first_minute + minutes))
    else:
        conn.execute(
            "INSERT INTO monitor_snapshots (unit_id, observed_at, lp, leq, lmax, lmin, lpeak, ln1, ln2)"
            " SELECT 'BENCH-' || lpad(u::VARCHAR, 3, '0'), CAST(? AS TIMESTAMPTZ) + to_minutes(m),"
            " 45 + random() * 10, 45 + random() * 8, 65 + random() * 15, 30 + random() * 10,"
            " 80 + random() * 20, 50 + random() * 15, 48 + random() * 10"
            " FROM range(?) a(u), range(?, ?) b(m) ORDER BY m, u",
            (START, units, first_minute, first_minute + minutes))


def _add_rules(conn, units: int) -> None:
    for k in range(units):
        for template in RULES:
            rule_store.add_rule(conn, {"unit_id": f"BENCH-{k:03d}", **template})


def _cli_pass_seconds(url: str) -> float:
    script = Path(sys.executable).with_name("compliance-pipeline")
    env = {**os.environ, "COMPLIANCE_WAREHOUSE_URL": url}
    start = time.perf_counter()
    subprocess.run([str(script), "alerts", "evaluate"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _cli_pairs(empty_url: str, history_url: str, runs: int = 5) -> tuple[float, float]:
    """Medians of CLI passes on the empty warehouse and on the history, run alternately so the
    machine's drifting load hits both alike."""
    floor, idle = [], []
    for _ in range(runs):
        floor.append(_cli_pass_seconds(empty_url))
        idle.append(_cli_pass_seconds(history_url))
    return statistics.median(floor), statistics.median(idle)


def _analyze(warehouse: Warehouse) -> None:
    """What autovacuum does after a bulk load (PostgreSQL); DuckDB keeps its statistics itself."""
    if warehouse.backend == "postgresql":
        with warehouse.connect() as conn:
            conn.execute("ANALYZE monitor_snapshots")


def bench_arrivals(name: str, history: Warehouse, fresh: Warehouse, empty: Warehouse,
                   snapshots: int) -> list[tuple]:
    units = max(NEW_UNITS, snapshots // HISTORY_UNIT_MINUTES)
    minutes = snapshots // units
    init_schema(empty)
    init_schema(history)
    init_schema(fresh)
    build_s, _ = timed(lambda: _build_history(history, units, minutes))
    _analyze(history)
    first_s, first = timed(lambda: evaluate_pass(history, now=datetime.now(timezone.utc)))
    print(f"[{name}] {units * minutes:,} snapshots x {len(RULES)} rules per unit built in {build_s:.1f}s;"
          f" first pass {first_s:.2f}s ({first.readings:,} readings)", flush=True)
    floor_s, idle_s = _cli_pairs(empty.url.raw, history.url.raw)
    print(f"[{name}] CLI pass: empty warehouse {floor_s:.3f}s, nothing new on the history {idle_s:.3f}s",
          flush=True)
    with fresh.transaction() as conn:
        _add_rules(conn, units)
    on_history, on_empty = [], []
    for round_ in range(3):
        first_minute = minutes + round_ * NEW_MINUTES
        with history.transaction() as conn:
            _generate_snapshots(conn, NEW_UNITS, first_minute, NEW_MINUTES)
        seconds, report = timed(lambda: evaluate_pass(history, now=datetime.now(timezone.utc)))
        assert report.readings == NEW_UNITS * NEW_MINUTES * len(RULES), report.readings
        on_history.append(seconds)
        with fresh.transaction() as conn:
            for table in ("monitor_snapshots", "alert_state", "alert_events", "outbox"):
                conn.execute(f"DELETE FROM {table}")
            _generate_snapshots(conn, NEW_UNITS, first_minute, NEW_MINUTES)
        seconds, report = timed(lambda: evaluate_pass(fresh, now=datetime.now(timezone.utc)))
        assert report.readings == NEW_UNITS * NEW_MINUTES * len(RULES), report.readings
        on_empty.append(seconds)
    new_s, empty_s = statistics.median(on_history), statistics.median(on_empty)
    n = units * minutes
    return [
        (name, f"CLI `alerts evaluate`, nothing new on {n:,} snapshots vs empty warehouse", floor_s, idle_s,
         idle_s / floor_s, "<= 1.5"),
        (name, f"pass over 1,000 new snapshots: on {n:,} of history vs on an empty history", empty_s, new_s,
         new_s / empty_s, "<= 2"),
    ]


def _build_history(warehouse: Warehouse, units: int, minutes: int) -> None:
    with warehouse.transaction() as conn:
        _add_rules(conn, units)
    step = 5_000  # minutes per transaction: keeps each INSERT's memory small
    for first in range(0, minutes, step):
        with warehouse.transaction() as conn:
            _generate_snapshots(conn, units, first, min(step, minutes - first))


def _print_table(header: str, rows: list[tuple]) -> None:
    print()
    print(header)
    print("|---|---|---|---|---|---|")
    for backend, what, base_s, ours_s, ratio, target in rows:
        fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
        print(f"| {backend} | {what} | {fmt(base_s)} | {fmt(ours_s)} | {'' if ratio is None else f'{ratio:.2f}x'}"
              f" | {target} |")


def measure(args: argparse.Namespace, workdir: Path) -> tuple[list, list]:
    """(seed comparison rows, arrival rows), with every database under workdir."""
    rows, arrival_rows = [], []
    if args.backend in ("duckdb", "both"):
        duck = lambda label: Warehouse(f"duckdb:///{workdir / (label + '.duckdb')}")  # noqa: E731
        if args.part in ("seed", "both"):
            rows += bench_backend("duckdb", duck("bench"), args.snapshots, args.seed_snapshots)
        if args.part in ("arrivals", "both"):
            arrival_rows += bench_arrivals("duckdb", duck("history"), duck("fresh"), duck("empty"), args.history)
    if args.backend in ("postgresql", "both"):
        from support import pg_server

        (workdir / "pg").mkdir()
        admin_url, server = pg_server.start_server_url(workdir / "pg")
        names = []

        def database() -> Warehouse:
            name, url = pg_server.create_database(admin_url)
            names.append(name)
            return Warehouse(url)
        try:
            if args.part in ("seed", "both"):
                rows += bench_backend("postgresql", database(), args.snapshots, args.seed_snapshots)
            if args.part in ("arrivals", "both"):
                arrival_rows += bench_arrivals("postgresql", database(), database(), database(), args.history)
        finally:
            for name in names:
                pg_server.drop_database(admin_url, name)
            if server is not None:
                server.stop()
    return rows, arrival_rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=1_000_000)
    parser.add_argument("--seed-snapshots", type=int, default=100_000,
                        help="snapshots the seed path really runs over (then extrapolated per snapshot)")
    parser.add_argument("--backend", choices=["duckdb", "postgresql", "both"], default="both")
    parser.add_argument("--history", type=int, default=3_000_000,
                        help="snapshots of history for the 'cost grows with what arrived' rows")
    parser.add_argument("--part", choices=["seed", "arrivals", "both"], default="both")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # both paths log each onset/clear; keep the output readable
    with scratch_folder("alerts-bench-") as workdir:  # GBs of data: removed afterwards
        rows, arrival_rows = measure(args, workdir)
    if arrival_rows:
        _print_table("| backend | measurement | baseline s | ours s | ours/baseline | target |", arrival_rows)
    if not rows:
        return 0
    print()
    print("| backend | measurement | seed s | ours s | ratio | target |")
    print("|---|---|---|---|---|---|")
    for backend, what, seed_s, ours_s, ratio, target in rows:
        fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
        shown = "" if ratio is None else (f"{ratio:.1f}x faster" if "pass" in what else f"{ratio:.2f}")
        print(f"| {backend} | {what} | {fmt(seed_s)} | {fmt(ours_s)} | {shown} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
