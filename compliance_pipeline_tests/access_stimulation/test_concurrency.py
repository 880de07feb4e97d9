"""Flags passes started together (real OS processes): one flag and one ToDo per profile, whatever
the mix of equal and adjacent days. On PostgreSQL they really overlap; on DuckDB they queue for
the file (one writing process), finishing in any order."""

from collections import Counter
from datetime import date, timedelta

import pytest

from compliance_pipeline import outbox
from compliance_pipeline.access_stimulation import core
from compliance_pipeline.outbox import topics
from compliance_pipeline_tests.access_stimulation.helpers import add_profiles, add_studies, at
from compliance_pipeline_tests.concurrency.processes import run_rounds, stderr_of

pytestmark = pytest.mark.slow
DAY = date(2025, 3, 10)
HIGH = range(1, 31)  # ratio 5: flagged
LOW = range(31, 41)  # ratio 1: below the threshold

ROUNDS = [  # --as-of offsets from DAY per worker; None sits out. Equal and adjacent days, 2-4 at once.
    [0, 1, None, None],
    [0, 0, 1, None],
    [0, 1, 2, 3],
    [0, 0, 0, 0],
    [1, 0, 1, 0],
]


def _argv(offset):
    return None if offset is None else ["access-stim", "--as-of", (DAY + timedelta(days=offset)).isoformat()]


def _reset(warehouse):
    with warehouse.transaction() as conn:
        conn.execute("DELETE FROM access_stim_evaluations")
        conn.execute("DELETE FROM outbox")
        conn.execute("UPDATE cdr_ingestion_profiles SET access_stim_flagged_at = NULL, access_stim_evidence_json = NULL")


def test_flags_passes_started_together_flag_and_queue_each_profile_once(warehouse, tmp_path):
    add_profiles(warehouse, [(pid, True) for pid in (*HIGH, *LOW)])
    add_studies(warehouse, [(pid, at(DAY - timedelta(days=20)), 5000 if pid in HIGH else 1000, 1000)
                            for pid in (*HIGH, *LOW)])
    # DuckDB: one round of two (the processes queue for the file, which is slow); PostgreSQL: all.
    rounds = ROUNDS if warehouse.backend == "postgresql" else [[1, 0, None, None]]
    outcomes = []

    def check_previous_round(number):
        if number:
            outcomes.append(_outcome(warehouse))
        _reset(warehouse)

    codes = run_rounds(tmp_path / "workers", [[_argv(o) for o in offsets] for offsets in rounds],
                       env={"COMPLIANCE_WAREHOUSE_URL": warehouse.url.raw}, before_round=check_previous_round)
    outcomes.append(_outcome(warehouse))
    assert codes == [[0] * 4] * len(rounds), stderr_of(tmp_path / "workers")
    once = {pid: 1 for pid in HIGH}
    assert outcomes == [{"flags": once, "todos": once, "stamped": len(HIGH)}] * len(rounds)


def _outcome(warehouse) -> dict:
    with warehouse.connect() as conn:
        flags = Counter(pid for (pid,) in conn.query(
            "SELECT profile_id FROM access_stim_evaluations WHERE reason = ?", (core.FLAGGED,)))
        todos = Counter(int(m.message_key.split(":")[1]) for m in outbox.list_messages(conn, topics.ERPNEXT_TODO))
        stamped = conn.scalar("SELECT count(*) FROM cdr_ingestion_profiles WHERE access_stim_flagged_at IS NOT NULL")
    return {"flags": dict(flags), "todos": dict(todos), "stamped": stamped}
