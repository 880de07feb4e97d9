"""Fixtures shared by every test: a real warehouse on DuckDB and on PostgreSQL.

`warehouse` is parametrized over both backends with the schema initialised;
`empty_warehouse` is the same without the schema. `pg_admin_url` is the server itself.
The schema is initialised once per session and copied per test (a DuckDB file copy, a
PostgreSQL TEMPLATE): the same tables as `init_schema`, at a fraction of its cost.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from benchmarks.support import pg_server
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.schema import init_schema

os.environ.setdefault("DAGSTER_TELEMETRY_DISABLED", "1")
BACKENDS = ["duckdb", "postgresql"]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    # Not under pytest's tmp_path: pytest prunes old basetemp folders, which would pull the
    # data directory from under a server that a concurrent pytest session still uses.
    workdir = Path(tempfile.mkdtemp(prefix="compliance-pg-"))
    url, server = pg_server.start_server_url(workdir, durable=False)
    yield url
    if server is not None:
        server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pg_url(pg_admin_url):
    """A fresh, empty PostgreSQL database for one test."""
    name, url = pg_server.create_database(pg_admin_url)
    yield url
    pg_server.drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def pg_schema_template(pg_admin_url) -> str:
    """The name of a database holding the initialised schema (never connected to after setup)."""
    name, url = pg_server.create_database(pg_admin_url)
    init_schema(Warehouse(url))
    yield name
    pg_server.drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def duckdb_schema_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schema-template") / "warehouse.duckdb"
    init_schema(Warehouse(f"duckdb:///{path}"))
    assert not path.with_name(path.name + ".wal").exists(), "the template must be checkpointed"
    return path


def _make_url(backend: str, tmp_path: Path, request) -> str:
    if backend == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("pg_url")


def _initialised_url(backend: str, tmp_path: Path, request) -> str:
    if backend == "duckdb":
        path = tmp_path / "warehouse.duckdb"
        shutil.copyfile(request.getfixturevalue("duckdb_schema_template"), path)
        return f"duckdb:///{path}"
    admin_url = request.getfixturevalue("pg_admin_url")
    name, url = pg_server.create_database(admin_url, template=request.getfixturevalue("pg_schema_template"))
    request.addfinalizer(lambda: pg_server.drop_database(admin_url, name))
    return url


@pytest.fixture(params=BACKENDS)
def empty_warehouse(request, tmp_path) -> Warehouse:
    return Warehouse(_make_url(request.param, tmp_path, request))


@pytest.fixture(params=BACKENDS)
def warehouse(request, tmp_path) -> Warehouse:
    return Warehouse(_initialised_url(request.param, tmp_path, request))


@pytest.fixture
def warehouse_env(warehouse, monkeypatch) -> Warehouse:
    """`warehouse`, also exported as COMPLIANCE_WAREHOUSE_URL for code that reads the env."""
    monkeypatch.setenv("COMPLIANCE_WAREHOUSE_URL", warehouse.url.raw)
    return warehouse
