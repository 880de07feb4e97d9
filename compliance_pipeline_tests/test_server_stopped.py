"""PostgreSQL stopped in the middle of a pass: one line naming the cause, exit 1, nothing
written, and the same call succeeds once the server is back.

A dedicated embedded server (the session's shared one is never stopped). To stop it at a known
point, another connection holds an ACCESS EXCLUSIVE lock on a table the pass reads, so the pass
is provably waiting inside its transaction when `pg_ctl stop -m fast` ends every session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg2
import pytest

from benchmarks.support import pg_server
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.schema import init_schema
from compliance_pipeline_tests.test_edges_cli import fingerprint

pytestmark = pytest.mark.slow
ANCHOR = date(2026, 3, 16)


@pytest.fixture(scope="module")
def server():
    if os.environ.get(pg_server.ENV_VAR):
        pytest.skip(f"{pg_server.ENV_VAR} names an outside server; this test stops its own")
    # Not under pytest's tmp_path, whose parents the server's own OS user cannot enter (see conftest).
    workdir = Path(tempfile.mkdtemp(prefix="compliance-stopped-pg-"))
    srv = pg_server.EmbeddedServer(workdir)
    yield srv
    srv.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def loaded(server) -> Warehouse:
    from compliance_pipeline.access_stimulation import demo as access_demo
    from compliance_pipeline.alerts import demo as alerts_demo
    from compliance_pipeline.over_cap import demo as over_cap_demo

    _, url = pg_server.create_database(server.url)
    warehouse = Warehouse(url)
    init_schema(warehouse)
    for demo in (access_demo, over_cap_demo, alerts_demo):
        demo.load_demo(warehouse, seed=5, scale=1, anchor=ANCHOR)
    return warehouse


def _cli(warehouse: Warehouse, *argv: str) -> subprocess.Popen:
    env = {**os.environ, "COMPLIANCE_WAREHOUSE_URL": warehouse.url.raw}
    return subprocess.Popen([sys.executable, "-m", "compliance_pipeline.cli", *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run_ok(warehouse: Warehouse, capsys, monkeypatch, *argv: str) -> dict:
    """A call in this process (cheaper than a new interpreter) that must succeed."""
    from compliance_pipeline.cli import main

    monkeypatch.setenv("COMPLIANCE_WAREHOUSE_URL", warehouse.url.raw)
    capsys.readouterr()
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _wait_until_blocked(holder, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    with holder.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cur.fetchone()[0]:
                return
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
    raise AssertionError("the pass never waited on the held lock")


PASSES = [
    ("over-cap plan", "user_visit"),  # its rows come through COPY into Arrow (warehouse/arrow_fetch)
    ("over-cap apply", "completed_work"),
    ("alerts evaluate", "alert_rules"),
    ("access-stim", "cdr_ingestion_profiles"),
]


@pytest.mark.parametrize(("command", "table"), PASSES)
def test_server_stopped_mid_pass(server, loaded, capsys, monkeypatch, command, table):
    argv = command.split()
    if command == "over-cap apply":
        argv += ["--plan-id", _run_ok(loaded, capsys, monkeypatch, "over-cap", "plan")["plan_id"]]
    if command == "access-stim":
        argv += ["--as-of", ANCHOR.isoformat()]
    before = fingerprint(loaded)

    holder = psycopg2.connect(loaded.url.raw)
    holder.cursor().execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # psycopg2 opened a transaction
    proc = _cli(loaded, *argv)
    try:
        _wait_until_blocked(holder, proc)
        server.stop()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        holder.close()
        server.start()

    assert proc.returncode == 1, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # no traceback, no chained "cursor already closed"
    assert "lost the connection" in lines[0] and "retry" in lines[0]
    assert "terminating connection" in lines[0] or "server closed the connection" in lines[0]
    assert fingerprint(loaded) == before

    _run_ok(loaded, capsys, monkeypatch, *argv)  # the server is back: the same call goes through
