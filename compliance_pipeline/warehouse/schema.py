"""Create or upgrade the schema: apply pending migrations, each in one transaction."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

from compliance_pipeline.warehouse import migrations
from compliance_pipeline.warehouse.connection import Connection, Warehouse

# Any fixed number: serializes concurrent `init`s on one PostgreSQL database.
_PG_LOCK_KEY = 7_310_461


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType


def all_migrations() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(migrations.__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{migrations.__name__}.{info.name}")
        found.append(Migration(module.VERSION, info.name, module))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return found


def applied_versions(conn: Connection) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    return {row[0] for row in conn.query("SELECT version FROM schema_migrations")}


def init_schema(warehouse: Warehouse) -> dict:
    """Apply every pending migration. Returns {"applied": [...], "current_version": N}."""
    applied: list[str] = []
    with warehouse.connect() as conn:
        for migration in all_migrations():
            with conn.transaction():
                if conn.is_postgres:
                    conn.execute("SELECT pg_advisory_xact_lock(?)", (_PG_LOCK_KEY,))
                if migration.version in applied_versions(conn):
                    continue
                for statement in migration.module.statements(conn.backend):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, now())",
                    (migration.version, migration.name),
                )
                applied.append(migration.name)
        current = conn.scalar("SELECT max(version) FROM schema_migrations")
    return {"applied": applied, "current_version": current}
