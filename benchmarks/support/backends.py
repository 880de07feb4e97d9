"""Run one benchmark on a scratch DuckDB file and/or a scratch PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compliance_pipeline.warehouse import Warehouse

from .scratch import scratch_folder

CHOICES = ["both", "postgresql", "duckdb"]


def bench_each_backend(choice: str, bench: Callable[[Warehouse], Any], prefix: str) -> dict[str, Any]:
    """{backend: bench(warehouse)} for the backends `choice` names (one of CHOICES)."""
    results = {}
    if choice in ("both", "duckdb"):
        with scratch_folder(prefix) as folder:
            results["duckdb"] = bench(Warehouse(f"duckdb:///{folder / 'bench.duckdb'}"))
    if choice in ("both", "postgresql"):
        from . import pg_server

        with pg_server.scratch_database() as url:
            results["postgresql"] = bench(Warehouse(url))
    return results
