"""Bad input at the CLI's edges: exit 2, one line on stderr, nothing written, no file created.

Each case runs the real console entry point (`main`; a traceback would escape it as an
exception) on both backends and compares every table's contents and the folder's files
before and after.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from compliance_pipeline.cli import main
from compliance_pipeline.warehouse import Warehouse

INIT_HINT = "compliance-pipeline init"
RULE = ["--unit", "u1", "--name", "loud", "--metric", "leq", "--comparison", "above", "--threshold", "70"]


def fingerprint(warehouse: Warehouse) -> dict[str, str]:
    """Every table of the warehouse -> a hash of its sorted rows."""
    if not warehouse.exists():
        return {}
    with warehouse.connect() as conn:
        tables = [r[0] for r in conn.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE'")]
        return {t: hashlib.sha256(repr(sorted(map(repr, conn.query(f"SELECT * FROM {t}")))).encode()).hexdigest()
                for t in sorted(tables)}


def files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def fails(capsys, argv: list[str], code: int = 2) -> str:
    """Run the CLI; it must exit `code` with exactly one line on stderr and nothing on stdout."""
    assert main(argv) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("compliance-pipeline ")
    return lines[0]


@pytest.fixture
def env_for(monkeypatch, tmp_path):
    def use(warehouse: Warehouse) -> Warehouse:
        monkeypatch.setenv("COMPLIANCE_WAREHOUSE_URL", warehouse.url.raw)
        monkeypatch.setenv("BUDGET_AUDIT_DIR", str(tmp_path / "budget"))
        monkeypatch.chdir(tmp_path)
        return warehouse
    return use


NEEDS_SCHEMA = [
    ["access-stim"], ["access-stim", "--dry-run", "--as-of", "2025-03-10"],
    ["over-cap", "plan"], ["over-cap", "apply", "--plan-id", "p1"], ["over-cap", "undo", "--run-id", "r1"],
    ["alerts", "rules", "list"], ["alerts", "rules", "add", *RULE], ["alerts", "evaluate"],
    ["alerts", "deliver"], ["alerts", "events"], ["alerts", "ack", "1", "--by", "me"],
]


def test_a_warehouse_never_initialised_says_run_init_and_creates_nothing(empty_warehouse, env_for, capsys,
                                                                           tmp_path):
    env_for(empty_warehouse)
    before = files(tmp_path)
    for argv in NEEDS_SCHEMA:
        line = fails(capsys, argv)
        assert INIT_HINT in line, (argv, line)
    assert files(tmp_path) == before  # DuckDB: no empty warehouse file appeared
    assert fingerprint(empty_warehouse) == {}  # PostgreSQL: no table appeared


def _write(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


BAD_INPUT = [
    (["access-stim", "--as-of", "0001-01-01"], "--as-of"),
    (["access-stim", "--as-of", "9999-12-31"], "--as-of"),
    (["access-stim", "--as-of", "9999-12-31T23:59:59-05:00"], "--as-of"),
    (["access-stim", "monthly", "--month", "9999-12"], "--month"),
    (["access-stim", "monthly", "--month", "0001-01"], "--month"),
    (["demo-data", "--anchor", "0001-01-01"], "--anchor"),
    (["demo-data", "--anchor", "9999-12-31T23:59:59-05:00"], "--anchor"),
    (["demo-data", "--scale", "100000000000000"], "--scale"),
    (["demo-data", "--seed", "1e300"], "--seed"),
    (["alerts", "ack", str(10**30), "--by", "me"], "id"),
    (["alerts", "rules", "delete", "²"], "id"),
    (["alerts", "rules", "add", *RULE, "--timezone", "Europe"], "timezone"),
    (["alerts", "rules", "add", *RULE, "--timezone", "America"], "timezone"),
    (["alerts", "rules", "add", *RULE, "--timezone", "Z" * 5000], "timezone"),
    (["alerts", "rules", "add", *RULE, "--timezone", "../../../etc/passwd"], "timezone"),
    (["alerts", "rules", "add", *RULE, "--days", "²"], "schedule_days"),
    (["alerts", "rules", "add", *RULE, "--days", "1,2,7"], "schedule_days"),
    (["alerts", "rules", "add", *RULE, "--schedule-start", "24:00", "--schedule-end", "07:00"], "schedule_start"),
    (["alerts", "rules", "add", *RULE, "--schedule-start", "22:00\n", "--schedule-end", "07:00"], "schedule_start"),
    (["alerts", "rules", "add", *RULE, "--duration", "1e999"], "duration_s"),
    (["alerts", "rules", "update", "1", "--threshold", "nan"], "threshold_db"),
]


def test_bad_input_is_one_line_naming_the_field_and_writes_nothing(warehouse, env_for, capsys, tmp_path):
    env_for(warehouse)
    assert main(["alerts", "rules", "add", *RULE]) == 0  # rule 1, for update
    capsys.readouterr()
    before, before_files = fingerprint(warehouse), files(tmp_path)
    for argv, field in BAD_INPUT:
        line = fails(capsys, argv)
        assert field in line, (argv, line)
        assert len(line) < 400, argv  # a 5,000-character value is shortened, not echoed
    assert fingerprint(warehouse) == before and files(tmp_path) == before_files


RULE_FILES = [
    (b"rules:\n  - unit_id: u1\n    name: caf\xe9\n", "not UTF-8"),  # Latin-1
    (b"rules:\n  - unit_id: u1\n    name: x\n    metric: leq\n    comparison: above\n    threshold_db: 70\n"
     b"    timezone: Europe\n", "timezone"),
    (b"rules:\n  - {unit_id: u1, name: x, metric: leq, comparison: above, threshold_db: 70, schedule_days: \xc2\xb2}\n",
     "schedule_days"),
    (b"rules: [unclosed\n", "not valid YAML"),
    (b"rules:\n  - {unit_id: u1, name: x, metric: leq, comparison: above, threshold_db: 1e999}\n", "threshold_db"),
    (b"rules:\n  - {unit_id: u1, name: x, metric: leq, comparison: above, threshold_db: 70, 7: seven}\n", "unknown"),
]


def test_a_bad_rule_file_is_one_line_and_applies_nothing(warehouse, env_for, capsys, tmp_path):
    env_for(warehouse)
    before = fingerprint(warehouse)
    for content, fragment in RULE_FILES:
        path = _write(tmp_path / "rules.yaml", content)
        assert fragment in fails(capsys, ["alerts", "rules", "validate", path]), content
        assert fragment in fails(capsys, ["alerts", "rules", "apply", path]), content
    assert fingerprint(warehouse) == before


def test_a_bad_timeout_or_lock_wait_setting_is_one_line(warehouse, env_for, capsys, monkeypatch):
    env_for(warehouse)
    before = fingerprint(warehouse)
    names = (["COMPLIANCE_PG_LOCK_TIMEOUT_MS", "COMPLIANCE_PG_STATEMENT_TIMEOUT_MS"]
             if warehouse.backend == "postgresql" else ["COMPLIANCE_DUCKDB_LOCK_WAIT_S"])
    for name in names:
        for value in ["nan", "-1", "1e300", "abc", "²"]:
            monkeypatch.setenv(name, value)
            assert name in fails(capsys, ["alerts", "evaluate"]), value
        monkeypatch.delenv(name)
    assert fingerprint(warehouse) == before


def test_a_stored_invalid_rule_is_listed_and_skipped_the_others_evaluated(warehouse, env_for, capsys):
    from compliance_pipeline_tests.alerts.helpers import add_rule, add_snapshots

    env_for(warehouse)
    good = add_rule(warehouse)
    with warehouse.transaction() as conn:  # written behind the CLI's back
        for name, zone in [("zone folder", "Europe"), ("zone area", "America"), ("long zone", "Z" * 5000)]:
            conn.execute("INSERT INTO alert_rules (id, unit_id, name, metric, comparison, threshold_db, timezone,"
                         " enabled) VALUES (nextval('alert_rules_id_seq'), 'u1', ?, 'leq', 'above', 70, ?, true)",
                         (name, zone))
        conn.execute("INSERT INTO alert_rules (id, unit_id, name, metric, comparison, threshold_db, schedule_days,"
                     " enabled) VALUES (nextval('alert_rules_id_seq'), 'u1', 'odd day', 'leq', 'above', 70, '²', true)")
    add_snapshots(warehouse, "u1", [80.0] * 5)
    assert main(["alerts", "evaluate"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["invalid_rules"]) == 4
    assert {"timezone", "schedule_days"} >= {e["error"].split(" ")[0] for e in report["invalid_rules"]}
    assert report["opened"] == 1
    assert main(["alerts", "events"]) == 0
    assert [e["rule_id"] for e in json.loads(capsys.readouterr().out)] == [good.id]


def test_cooldown_days_out_of_range_is_refused_before_anything_runs(warehouse):
    from datetime import datetime, timezone

    from compliance_pipeline.access_stimulation import monitor
    from compliance_pipeline.errors import InputError

    before = fingerprint(warehouse)
    for cooldown, threshold in [(99_999_999_999, 3.0), (-1, 3.0), (30, float("inf")), (30, float("nan"))]:
        with pytest.raises(InputError, match="cooldown_days" if cooldown != 30 else "threshold"):
            monitor.run(warehouse, as_of=datetime(2025, 3, 10, tzinfo=timezone.utc), cooldown_days=cooldown,
                        threshold=threshold)
    assert fingerprint(warehouse) == before


def test_demo_data_is_all_or_nothing(warehouse, env_for, capsys, tmp_path):
    """A failure in the last domain (the budget log folder is a file) leaves every table as it was."""
    env_for(warehouse)
    assert main(["alerts", "rules", "add", *RULE]) == 0
    capsys.readouterr()
    (tmp_path / "budget").write_text("not a folder")
    before, before_files = fingerprint(warehouse), files(tmp_path)
    line = fails(capsys, ["demo-data", "--anchor", date(2026, 3, 16).isoformat()])
    assert "BUDGET_AUDIT_DIR" in line
    assert fingerprint(warehouse) == before and files(tmp_path) == before_files


def test_a_webhook_token_never_lands_in_the_outbox_or_the_output(warehouse, env_for, capsys, monkeypatch):
    from datetime import datetime, timezone

    from compliance_pipeline.outbox import enqueue_many, list_messages
    from compliance_pipeline.outbox.topics import ALERT_WEBHOOK as TOPIC
    from compliance_pipeline_tests.http_stub import HttpStub

    env_for(warehouse)
    with warehouse.transaction() as conn:
        enqueue_many(conn, topic=TOPIC, messages=[("k1", {"kind": "onset"})],
                     now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    with HttpStub() as stub:  # a receiver whose error page quotes the URL it was called with
        hook = f"{stub.url}/hook?channel=7&token=hunter2"
        stub.respond(404, {"detail": f"no hook at {hook}"})
        monkeypatch.setenv("ALERT_WEBHOOK_URL", hook)
        assert main(["alerts", "deliver"]) == 0
    assert "hunter2" not in capsys.readouterr().out
    with warehouse.connect() as conn:
        (message,) = list_messages(conn, TOPIC)
    assert message.last_error and "token=***" in message.last_error and "hunter2" not in message.last_error


def test_a_password_in_the_url_query_stays_out_of_dagster_events(tmp_path):
    import dagster as dg

    from compliance_pipeline.alerts.assets import alert_evaluation
    from compliance_pipeline.warehouse.resource import WarehouseResource

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([alert_evaluation], instance=instance, raise_on_error=False, resources={
        # No database name: refused at once (an unreachable server would be retried first, same message).
        "warehouse": WarehouseResource(url="postgresql://u@127.0.0.1:1?password=hunter2")})
    assert not result.success
    logged = [str(record) for record in instance.all_logs(result.run_id)]
    assert any("password=***" in text for text in logged)
    assert not any("hunter2" in text for text in logged)


def test_a_duckdb_file_locked_by_another_process_is_exit_1(tmp_path, env_for, capsys, monkeypatch):
    import subprocess
    import sys

    from compliance_pipeline.warehouse.schema import init_schema

    warehouse = env_for(Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}"))
    init_schema(warehouse)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
                               " print('locked', flush=True); time.sleep(60)", str(warehouse.url.duckdb_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("COMPLIANCE_DUCKDB_LOCK_WAIT_S", "0.2")
        line = fails(capsys, ["alerts", "rules", "list"], code=1)
    finally:
        holder.kill()
        holder.wait()
    assert "locked by another process" in line and "PostgreSQL" in line


def test_delivery_settings_that_overflow_are_refused(warehouse, env_for, capsys, monkeypatch):
    env_for(warehouse)
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "http://127.0.0.1:1/hook")
    before = fingerprint(warehouse)
    for name, value in [("COMPLIANCE_OUTBOX_LEASE_S", "1e300"), ("COMPLIANCE_OUTBOX_LEASE_S", "nan"),
                        ("COMPLIANCE_HTTP_DEADLINE_S", "1e300"), ("COMPLIANCE_HTTP_BREAKER_FAILURES", str(10**20))]:
        monkeypatch.setenv(name, value)
        assert name in fails(capsys, ["alerts", "deliver"]), (name, value)
        monkeypatch.delenv(name)
    assert fingerprint(warehouse) == before


def test_a_lock_timeout_is_exit_1_naming_the_setting(pg_url, env_for, capsys, monkeypatch):
    import psycopg2

    from compliance_pipeline.warehouse.schema import init_schema

    warehouse = env_for(Warehouse(pg_url))
    init_schema(warehouse)
    before = fingerprint(warehouse)
    monkeypatch.setenv("COMPLIANCE_PG_LOCK_TIMEOUT_MS", "200")
    holder = psycopg2.connect(pg_url)
    holder.cursor().execute("LOCK TABLE alert_rules IN ACCESS EXCLUSIVE MODE")  # another run, mid-transaction
    try:
        line = fails(capsys, ["alerts", "evaluate"], code=1)
    finally:
        holder.close()
    assert "lock timeout" in line and "COMPLIANCE_PG_LOCK_TIMEOUT_MS" in line
    assert fingerprint(warehouse) == before
