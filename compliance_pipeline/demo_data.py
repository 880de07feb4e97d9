"""Deterministic demo data for every domain: `compliance-pipeline demo-data [--seed N] [--scale N]`.

Each domain's `demo.py` exposes `load_demo(warehouse, *, seed, scale, anchor) -> dict` that
replaces that domain's source rows (and clears its outputs) with a realistic data set
ending on `anchor` (a UTC date). Same seed, scale and anchor -> the same rows.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, timezone

from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.schema import init_schema

DOMAINS = ("access_stimulation", "budget_audit", "over_cap", "alerts")


def load_all(warehouse: Warehouse, *, seed: int = 7, scale: int = 1, anchor: date | None = None) -> dict:
    if scale < 1:
        raise InputError(f"scale must be >= 1, got {scale}")
    anchor = anchor or datetime.now(timezone.utc).date()
    init_schema(warehouse)
    loaded = {}
    for domain in DOMAINS:
        module = importlib.import_module(f"compliance_pipeline.{domain}.demo")
        loaded[domain] = module.load_demo(warehouse, seed=seed, scale=scale, anchor=anchor)
    return {"seed": seed, "scale": scale, "anchor": anchor.isoformat(), "loaded": loaded}


def register(sub) -> None:
    p = sub.add_parser("demo-data", help="load a deterministic demo data set for every domain")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--scale", type=int, default=1, help="multiply row counts (benchmarks)")
    p.add_argument("--anchor", type=_iso_date, default=None,
                   help="last day of the demo data, YYYY-MM-DD (default: today, UTC)")
    p.set_defaults(func=lambda args: load_all(
        Warehouse.from_env(), seed=args.seed, scale=args.scale, anchor=args.anchor))


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"--anchor must be YYYY-MM-DD, got {text!r}") from exc
