"""Deterministic demo data for every domain: `compliance-pipeline demo-data [--seed N] [--scale N]`.

Each domain's `demo.py` exposes `load_demo(warehouse, *, seed, scale, anchor) -> dict` that
replaces that domain's source rows (and clears its outputs) with a realistic data set
ending on `anchor` (a UTC date). Same seed, scale and anchor -> the same rows.

All or nothing: every domain's rows are written in ONE transaction (each load_demo gets a
OneTransaction standing in for the warehouse), so a failure anywhere leaves the previous data.
The budget log's files are built aside first and swapped in just before the COMMIT.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, timezone

from compliance_pipeline.errors import InputError
from compliance_pipeline.inputs import MAX_BIGINT, bounded_int, iso_day
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.connection import OneTransaction
from compliance_pipeline.warehouse.schema import init_schema

DOMAINS = ("access_stimulation", "budget_audit", "over_cap", "alerts")
MAX_SCALE = 1000


def load_all(warehouse: Warehouse, *, seed: int = 7, scale: int = 1, anchor: date | None = None) -> dict:
    if not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise InputError(f"scale must be a whole number from 1 to {MAX_SCALE}, got {scale!r}")
    anchor = anchor or datetime.now(timezone.utc).date()
    init_schema(warehouse)
    loaded = {}
    with warehouse.connect() as conn, conn.transaction():
        one = OneTransaction(warehouse, conn)
        # The budget log (files swapped in at the end of its load) goes last, right before COMMIT.
        for domain in sorted(DOMAINS, key=lambda d: d == "budget_audit"):
            module = importlib.import_module(f"compliance_pipeline.{domain}.demo")
            loaded[domain] = module.load_demo(one, seed=seed, scale=scale, anchor=anchor)
    return {"seed": seed, "scale": scale, "anchor": anchor.isoformat(),
            "loaded": {domain: loaded[domain] for domain in DOMAINS}}


def register(sub) -> None:
    p = sub.add_parser("demo-data", help="load a deterministic demo data set for every domain")
    p.add_argument("--seed", default="7", help="random seed, a whole number (default 7)")
    p.add_argument("--scale", default="1", help=f"multiply row counts, 1 to {MAX_SCALE} (benchmarks)")
    p.add_argument("--anchor", default=None, help="last day of the demo data, YYYY-MM-DD (default: today, UTC)")
    p.set_defaults(func=_load_from_args)


def _load_from_args(args) -> dict:
    seed = bounded_int(args.seed, "--seed", 0, MAX_BIGINT)
    scale = bounded_int(args.scale, "--scale", 1, MAX_SCALE)
    anchor = None if args.anchor is None else iso_day(args.anchor, "--anchor")
    return load_all(Warehouse.from_env(), seed=seed, scale=scale, anchor=anchor)
