import json

import pytest

from compliance_pipeline.warehouse import Warehouse, WarehouseError
from compliance_pipeline.warehouse.errors import WarehouseUnavailableError
from compliance_pipeline.warehouse.schema import all_migrations, init_schema

CONTRACT_TABLES = {
    "cdr_ingestion_profiles": "id name active access_stim_flagged_at access_stim_evidence_json",
    "cdr_traffic_studies": "id profile_id generated_at retail_minutes wholesale_minutes",
    "opportunity": "id opportunity_id name",
    "payment_unit": "id opportunity_id name amount org_amount",
    "opportunity_access": "id opportunity_id user_id suspended payment_accrued",
    "opportunity_claim_limit": "id opportunity_access_id payment_unit_id max_visits",
    "completed_work": "id opportunity_access_id payment_unit_id entity_id status date_created "
    "status_modified_date saved_approved_count saved_payment_accrued saved_org_payment_accrued",
    "user_visit": "id opportunity_access_id completed_work_id xform_id entity_id status "
    "date_created status_modified_date",
    "monitor_snapshots": "unit_id observed_at lp leq lmax lmin lpeak ln1 ln2",
    "alert_rules": "id unit_id name metric comparison threshold_db duration_s clear_margin_db "
    "schedule_start schedule_end schedule_days timezone enabled",
}


def _columns(conn, table):
    rows = conn.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = current_schema()",
        (table,),
    )
    return {r[0] for r in rows}


def test_every_contract_table_and_column_exists(warehouse):
    with warehouse.connect() as conn:
        for table, cols in CONTRACT_TABLES.items():
            assert set(cols.split()) <= _columns(conn, table), table


def test_init_twice_is_a_no_op(empty_warehouse):
    first = init_schema(empty_warehouse)
    assert first["applied"] == [m.name for m in all_migrations()]
    with empty_warehouse.connect() as conn:
        before = conn.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    second = init_schema(empty_warehouse)
    assert second == {"applied": [], "current_version": first["current_version"]}
    with empty_warehouse.connect() as conn:
        after = conn.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert before == after


def test_transaction_rolls_back_on_error(warehouse):
    with pytest.raises(RuntimeError, match="mid-transaction"):
        with warehouse.transaction() as conn:
            conn.execute("INSERT INTO opportunity (id, opportunity_id, name) VALUES (?, ?, ?)", (1, "u", "x"))
            raise RuntimeError("mid-transaction")
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM opportunity") == 0


def test_values_are_bound_not_formatted(warehouse):
    nasty = "O'Brien; DROP TABLE opportunity; -- 100% ?"
    with warehouse.transaction() as conn:
        conn.execute("INSERT INTO opportunity (id, opportunity_id, name) VALUES (?, ?, ?)", (1, "u", nasty))
    with warehouse.connect() as conn:
        assert conn.query("SELECT name FROM opportunity WHERE name LIKE '%Brien%'") == [(nasty,)]


def test_bulk_insert_round_trips_nulls_and_quotes(warehouse):
    rows = [(1, 'a,"b"\nc', True, None, None), (2, None, False, None, "{}")]
    with warehouse.transaction() as conn:
        n = conn.insert_rows(
            "cdr_ingestion_profiles",
            ["id", "name", "active", "access_stim_flagged_at", "access_stim_evidence_json"],
            rows,
        )
    assert n == 2
    with warehouse.connect() as conn:
        got = conn.query("SELECT id, name, active, access_stim_flagged_at, access_stim_evidence_json "
                         "FROM cdr_ingestion_profiles ORDER BY id")
    assert got == rows


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("mysql://x/y", "scheme must be"),
        ("duckdb://", "no file path"),
        ("", "is empty"),
        ("postgresql://bob:secret@127.0.0.1:1/db", "cannot connect"),
    ],
)
def test_bad_url_gives_one_clear_line_without_password(url, fragment):
    with pytest.raises((WarehouseError, WarehouseUnavailableError)) as info:
        with Warehouse(url).connect():
            pass
    message = str(info.value)
    assert fragment in message
    assert "secret" not in message


def test_duckdb_history_rebuild_keeps_every_row(tmp_path):
    """m0101 rebuilds access_stim_evaluations without its key on DuckDB: a warehouse created
    before it keeps its history rows and their values."""
    from compliance_pipeline.warehouse.migrations import m0101_access_stim_history_unkeyed as m0101

    warehouse = Warehouse(f"duckdb:///{tmp_path / 'old.duckdb'}")
    init_schema(warehouse)
    with warehouse.transaction() as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", (m0101.VERSION,))
        conn.execute("DROP TABLE access_stim_evaluations")
        from compliance_pipeline.warehouse.migrations import m0100_access_stimulation as m0100
        conn.execute(m0100.statements("duckdb")[1])  # the keyed table, as version 100 made it
        conn.execute(
            "INSERT INTO access_stim_evaluations VALUES"
            " ('2025-03-02 00:00:00+00', 7, 'flagged', 3.5, 35, 10, 3.0, 30, NULL, '{\"ratio\": 3.5}'),"
            " ('2025-03-01 00:00:00+00', 7, 'below_threshold', 1.0, 10, 10, 3.0, 30, NULL, NULL)")
    assert init_schema(warehouse)["applied"] == [m0101.__name__.rsplit(".", 1)[1]]
    with warehouse.connect() as conn:
        rows = conn.query("SELECT profile_id, reason, ratio, evidence_json FROM access_stim_evaluations"
                          " ORDER BY as_of")
        keys = conn.query("SELECT count(*) FROM duckdb_constraints()"
                          " WHERE table_name = 'access_stim_evaluations' AND constraint_type = 'PRIMARY KEY'")
    assert rows == [(7, "below_threshold", 1.0, None), (7, "flagged", 3.5, '{"ratio": 3.5}')]
    assert keys == [(0,)]


def _status(monkeypatch, capsys, warehouse) -> dict:
    from compliance_pipeline.cli import main

    monkeypatch.setenv("COMPLIANCE_WAREHOUSE_URL", warehouse.url.raw)
    assert main(["init", "--status"]) == 0
    return json.loads(capsys.readouterr().out)


def test_init_status_lists_pending_then_applied_and_writes_nothing(empty_warehouse, monkeypatch, capsys):
    names = [m.name for m in all_migrations()]
    before = _status(monkeypatch, capsys, empty_warehouse)
    assert before["applied"] == [] and [p["name"] for p in before["pending"]] == names
    assert _status(monkeypatch, capsys, empty_warehouse) == before  # status created nothing
    init_schema(empty_warehouse)
    after = _status(monkeypatch, capsys, empty_warehouse)
    assert after["pending"] == []
    assert [(a["name"], a["state"]) for a in after["applied"]] == [(name, "ok") for name in names]


def test_init_refuses_when_an_applied_migration_changed(warehouse, monkeypatch, capsys):
    from compliance_pipeline.cli import main
    from compliance_pipeline.warehouse.migrations import m0400_alerts

    original = m0400_alerts.statements
    monkeypatch.setattr(m0400_alerts, "statements",
                        lambda backend: [s.replace("status TEXT", "status VARCHAR") for s in original(backend)])
    monkeypatch.setenv("COMPLIANCE_WAREHOUSE_URL", warehouse.url.raw)
    with warehouse.connect() as conn:
        before = conn.query("SELECT version, checksum FROM schema_migrations ORDER BY version")
    assert main(["init"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "m0400_alerts" in err[0] and "changed" in err[0]
    with warehouse.connect() as conn:
        assert conn.query("SELECT version, checksum FROM schema_migrations ORDER BY version") == before
    states = {a["name"]: a["state"] for a in _status(monkeypatch, capsys, warehouse)["applied"]}
    assert states["m0400_alerts"] == "changed since applied" and states["m0001_source_tables"] == "ok"


def test_warehouse_from_before_checksums_gets_them_once(warehouse, monkeypatch, capsys):
    with warehouse.transaction() as conn:
        conn.execute("ALTER TABLE schema_migrations DROP COLUMN checksum")
    states = {a["state"] for a in _status(monkeypatch, capsys, warehouse)["applied"]}
    assert states == {"no checksum recorded"}
    assert init_schema(warehouse)["applied"] == []
    assert init_schema(warehouse)["applied"] == []
    states = {a["state"] for a in _status(monkeypatch, capsys, warehouse)["applied"]}
    assert states == {"ok"}
