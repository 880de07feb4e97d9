"""Create or upgrade the schema: apply pending migrations, each in one transaction.

schema_migrations records each applied migration with a checksum of the statements it ran on
this backend; `init` refuses to run when an applied migration's statements have changed since
(the warehouse would no longer match the code), and `init --status` lists applied and pending.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

from compliance_pipeline.warehouse import locks, migrations
from compliance_pipeline.warehouse.connection import Connection, Warehouse
from compliance_pipeline.warehouse.errors import WarehouseError

# Serializes concurrent `init`s on one PostgreSQL database (DuckDB has one writing process).
INIT_LOCK = "warehouse.schema_init"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType

    def statements(self, backend: str) -> list[str]:
        return list(self.module.statements(backend))

    def checksum(self, backend: str) -> str:
        """sha256 of the statements this migration runs on the backend."""
        digest = hashlib.sha256()
        for statement in self.statements(backend):
            digest.update(statement.encode())
            digest.update(b"\0")
        return digest.hexdigest()


class MigrationChangedError(WarehouseError):
    """An applied migration's statements differ from what was applied."""


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


def _lock(conn: Connection) -> None:
    locks.advisory_xact_lock(conn, INIT_LOCK)


def _prepare_table(conn: Connection, known: list[Migration]) -> None:
    """schema_migrations with its checksum column; rows from before the column get the
    current checksum (what was applied is no longer known; from now on changes are)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    conn.execute("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum TEXT")
    missing = {row[0] for row in conn.query("SELECT version FROM schema_migrations WHERE checksum IS NULL")}
    for migration in known:
        if migration.version in missing:
            conn.execute("UPDATE schema_migrations SET checksum = ? WHERE version = ?",
                         (migration.checksum(conn.backend), migration.version))


def _applied(conn: Connection) -> dict[int, dict]:
    return {row["version"]: row for row in conn.query_dicts(
        "SELECT version, name, applied_at, checksum FROM schema_migrations ORDER BY version")}


def _refuse_changed(known: list[Migration], applied: dict[int, dict], backend: str) -> None:
    for migration in known:
        row = applied.get(migration.version)
        if row is not None and row["checksum"] != migration.checksum(backend):
            raise MigrationChangedError(
                f"migration {migration.name} (version {migration.version}) was changed after it was "
                f"applied to this warehouse (checksum {row['checksum'][:12]} applied, "
                f"{migration.checksum(backend)[:12]} now): restore it and put the change in a new migration")


def init_schema(warehouse: Warehouse) -> dict:
    """Apply every pending migration. Returns {"applied": [...], "current_version": N}.

    Refuses (MigrationChangedError, nothing written) when an applied migration changed."""
    known = all_migrations()
    applied_now: list[str] = []
    with warehouse.connect(create=True) as conn:  # init is what creates a DuckDB file
        with conn.transaction():
            _lock(conn)
            _prepare_table(conn, known)
            _refuse_changed(known, _applied(conn), conn.backend)
        for migration in known:
            with conn.transaction():
                _lock(conn)
                if migration.version in _applied(conn):  # another init may have applied it meanwhile
                    continue
                for statement in migration.statements(conn.backend):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at, checksum)"
                    " VALUES (?, ?, now(), ?)",
                    (migration.version, migration.name, migration.checksum(conn.backend)))
                applied_now.append(migration.name)
        current = conn.scalar("SELECT max(version) FROM schema_migrations")
    return {"applied": applied_now, "current_version": current}


def schema_status(warehouse: Warehouse) -> dict:
    """Applied migrations (with whether each still matches its code) and pending ones; writes nothing."""
    known = all_migrations()
    if not warehouse.exists():  # a DuckDB file never created: everything pending, and no file made
        return {"applied": [], "pending": [{"version": m.version, "name": m.name} for m in known]}
    with warehouse.connect() as conn:
        columns = {row[0] for row in conn.query(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'schema_migrations' AND table_schema = current_schema()")}
        rows = [] if not columns else conn.query_dicts(
            "SELECT version, name, applied_at, "
            + ("checksum" if "checksum" in columns else "CAST(NULL AS TEXT) AS checksum")
            + " FROM schema_migrations ORDER BY version")
        backend = conn.backend
    by_version = {m.version: m for m in known}
    applied = []
    for row in rows:
        migration = by_version.get(row["version"])
        if migration is None:
            state = "unknown to this code"
        elif row["checksum"] is None:
            state = "no checksum recorded"
        else:
            state = "ok" if row["checksum"] == migration.checksum(backend) else "changed since applied"
        applied.append({"version": row["version"], "name": row["name"], "applied_at": row["applied_at"],
                        "state": state})
    done = {row["version"] for row in rows}
    pending = [{"version": m.version, "name": m.name} for m in known if m.version not in done]
    return {"applied": applied, "pending": pending}
