"""Several processes at once: a writer killed mid-append, two writers, compaction beside a reader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline_tests.budget_audit.helpers import T0

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

# Each child appends rows whose (source, slot_index) is unique, so duplicates are detectable.
_PRELUDE = """
import os, random, signal, sys
from datetime import timedelta
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline_tests.budget_audit.helpers import T0, slot
log = BudgetAuditLog(sys.argv[1])
def row(i, source):
    return {**slot(i % 96, at=T0 + timedelta(seconds=i)), "slot_index": i, "source": source}
"""


def _child(body: str, *args: str) -> subprocess.Popen:
    code = _PRELUDE + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_unique(log: BudgetAuditLog) -> int:
    frame = log.load()
    assert not frame.duplicated(["source", "slot_index"]).any()
    return len(frame)


def test_a_writer_killed_between_write_and_rename_leaves_exactly_the_returned_appends(tmp_path):
    child = _child("""
        real_rename = os.rename
        def rename_then_die(src, dst):
            if count == 30:  # the 31st append has written and fsynced its temp file
                os.kill(os.getpid(), signal.SIGKILL)
            real_rename(src, dst)
        os.rename = rename_then_die
        for count in range(100):
            log.log_slot(row(count, "w"))
    """, str(tmp_path))
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    log = BudgetAuditLog(tmp_path)
    assert _assert_unique(log) == 30
    assert log.daily_summary(T0.date())["slots"] == 30
    assert len(list(tmp_path.rglob("*.tmp"))) == 1  # the dead append's temp file, never read


def test_a_writer_killed_at_a_random_moment_loses_no_returned_append(tmp_path):
    child = _child("""
        for count in range(100000):
            log.log_slot(row(count, "w"))
            print(count + 1, flush=True)
    """, str(tmp_path))
    returned = 0
    for line in child.stdout:
        returned = int(line)
        if returned >= 150:
            break
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    returned = max([returned, *map(int, rest.split())])
    rows = _assert_unique(BudgetAuditLog(tmp_path))
    # The append in flight may have completed its rename before its "returned" line was printed.
    assert returned <= rows <= returned + 1


def test_two_writers_appending_5000_rows_each_give_10000_rows(tmp_path):
    body = """
        rng = random.Random(sys.argv[2])
        done = 0
        while done < 5000:
            size = min(rng.choice([1, 1, 3, 20, 100, 250]), 5000 - done)
            log.log_slots([row(done + k, sys.argv[2]) for k in range(size)])
            done += size
    """
    writers = [_child(body, str(tmp_path), name) for name in ("a", "b")]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    log = BudgetAuditLog(tmp_path)
    assert _assert_unique(log) == 10000
    assert log.weekly_report()["period_days"] == 1


def test_compaction_beside_a_reader_and_a_writer_loses_and_doubles_nothing(tmp_path):
    stop = tmp_path / "stop"
    log_dir = tmp_path / "log"
    writer = _child("""
        done = 0
        while done < 600:
            size = random.choice([1, 2, 5])
            log.log_slots([row(done + k, "w") for k in range(size)])
            done += size
    """, str(log_dir))
    compactor = _child("""
        import pathlib, time
        compactions = 0
        while not pathlib.Path(sys.argv[2]).exists():
            if log.compact_day(T0.date()).files_before > 1:
                compactions += 1
            time.sleep(0.01)
        print(compactions)
    """, str(log_dir), str(stop))
    log = BudgetAuditLog(log_dir)
    seen, reads = 0, 0
    while writer.poll() is None:
        count = _assert_unique(log)
        assert count >= seen  # a row once seen never disappears
        seen, reads = count, reads + 1
    stop.touch()
    out, err = compactor.communicate(timeout=60)
    assert compactor.returncode == 0 and writer.returncode == 0, err + writer.stderr.read()
    assert int(out) >= 1 and reads >= 5
    assert _assert_unique(log) >= 600
    assert log.compact_day(T0.date()).files_after == 1
    assert _assert_unique(log) == log.daily_summary(T0.date())["slots"]
