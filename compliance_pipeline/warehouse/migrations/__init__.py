"""Versioned schema migrations.

Each module `mNNNN_name.py` in this folder defines `VERSION` (int, = NNNN) and
`statements(backend) -> list[str]` (backend is "duckdb" or "postgresql"). Migrations
are applied in order, each in its own transaction, and recorded in schema_migrations,
so `compliance-pipeline init` is idempotent and upgrades an older warehouse.

Numbers are reserved per domain: 1-99 source tables, 100s access_stimulation,
200s budget_audit, 300s over_cap, 400s alerts.
"""
