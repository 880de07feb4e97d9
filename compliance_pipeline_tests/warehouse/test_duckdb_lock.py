"""DuckDB allows one writing process per file: waiting is bounded and the error says why."""

import subprocess
import sys
import time

import pytest

from compliance_pipeline.warehouse import Warehouse, WarehouseLockedError

HOLDER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold_lock(path, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_process_gets_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("COMPLIANCE_DUCKDB_LOCK_WAIT_S", "0.5")
    holder = _hold_lock(path, 30)
    try:
        with pytest.raises(WarehouseLockedError, match="one writing process per file.*PostgreSQL"):
            with Warehouse(f"duckdb:///{path}").connect():
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_second_process_waits_for_a_short_lock(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("COMPLIANCE_DUCKDB_LOCK_WAIT_S", "20")
    holder = _hold_lock(path, 1.0)
    started = time.monotonic()
    with Warehouse(f"duckdb:///{path}").connect() as conn:
        assert conn.scalar("SELECT 42") == 42
    assert time.monotonic() - started >= 0.5
    holder.wait()
