"""warehouse.locks on both backends: real locks on PostgreSQL, no-ops under DuckDB's single writer."""

import pytest

from compliance_pipeline.warehouse.locks import advisory_xact_lock, claim_rows, lock_key, lock_rows_for_update


def _jobs(warehouse, n=5):
    with warehouse.transaction() as conn:
        conn.execute("CREATE TABLE jobs (id BIGINT PRIMARY KEY, owner TEXT)")
        conn.executemany("INSERT INTO jobs (id) VALUES (?)", [(i,) for i in range(1, n + 1)])


def _claim(conn, owner, limit):
    rows = claim_rows(conn, table="jobs", assignments="owner = ?", assignment_params=(owner,),
                      where="owner IS NULL", where_params=(), order_by="id", limit=limit, returning="id")
    return sorted(r[0] for r in rows)


def test_claims_hand_out_each_row_once_oldest_first(warehouse):
    _jobs(warehouse)
    claimed = []
    for owner in "abcd":
        with warehouse.transaction() as conn:
            claimed.append(_claim(conn, owner, 2))
    assert claimed == [[1, 2], [3, 4], [5], []]


def test_a_claim_skips_rows_another_open_claim_holds_without_waiting(warehouse):
    _jobs(warehouse)
    with warehouse.connect() as first, first.transaction():
        assert _claim(first, "a", 2) == [1, 2]
        if not warehouse.backend == "postgresql":
            return  # DuckDB: one writing process; nothing else to skip
        with warehouse.connect() as second, second.transaction():
            second.set_lock_timeout(200)  # waiting on a held row would fail, not pass
            assert _claim(second, "b", 10) == [3, 4, 5]


def test_advisory_lock_is_held_until_the_transaction_ends(warehouse):
    with warehouse.connect() as conn:
        with pytest.raises(RuntimeError, match="transaction"):
            advisory_xact_lock(conn, "flags")
    with warehouse.connect() as first:
        with first.transaction():
            advisory_xact_lock(first, "flags")
            if warehouse.backend == "postgresql":
                with warehouse.connect() as second, second.transaction():
                    assert second.scalar("SELECT pg_try_advisory_xact_lock(?)", (lock_key("flags"),)) is False
                    assert second.scalar("SELECT pg_try_advisory_xact_lock(?)", (lock_key("other"),)) is True
        if warehouse.backend == "postgresql":
            with warehouse.connect() as second, second.transaction():
                assert second.scalar("SELECT pg_try_advisory_xact_lock(?)", (lock_key("flags"),)) is True


def test_row_locks_block_only_the_rows_they_name(warehouse):
    _jobs(warehouse)
    with warehouse.connect() as first, first.transaction():
        lock_rows_for_update(first, "jobs", "id", [2, 1])
        if warehouse.backend != "postgresql":
            return  # a no-op under DuckDB's single writer
        with warehouse.connect() as second, second.transaction():
            second.set_lock_timeout(200)
            lock_rows_for_update(second, "jobs", "id", [3])
        with warehouse.connect() as second, pytest.raises(Exception, match="lock timeout"), second.transaction():
            second.set_lock_timeout(200)
            lock_rows_for_update(second, "jobs", "id", [1])


def test_lock_keys_are_stable_signed_64_bit():
    assert lock_key("access_stimulation_flags") == lock_key("access_stimulation_flags") != lock_key("x")
    assert -(2 ** 63) <= lock_key("x") < 2 ** 63
