"""Bad input at the edges of `budget log / report / daily` and the Dagster resource: exit 2, one
line naming the field, nothing written."""

from __future__ import annotations

import io
import json
import os
from datetime import date

import dagster as dg
import pytest

from compliance_pipeline.budget_audit.assets import budget_daily_summary
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.resources import BudgetAuditResource
from compliance_pipeline.cli import main
from compliance_pipeline_tests.budget_audit.helpers import T0, slot

GOOD_OTHER_DAY = {**slot(0), "timestamp": "2025-03-05T10:00:00+00:00"}  # a valid row of another day


def _row(**fields) -> dict:
    return {**slot(1), "timestamp": T0.isoformat(), **fields}


def _run(capsys, monkeypatch, argv, stdin: bytes = b""):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@pytest.fixture
def audit_dir(tmp_path, monkeypatch):
    root = tmp_path / "log"
    monkeypatch.setenv("BUDGET_AUDIT_DIR", str(root))
    BudgetAuditLog(root).log_slots([slot(5)])  # an existing log that must stay as it is
    return root


def _lines(*rows) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


@pytest.mark.parametrize("bad_line, message", [
    (_row(slot_index=10**30), "slot_index must be a 64-bit integer"),
    (_row(slot_index=-(2**63) - 1), "slot_index must be a 64-bit integer"),
    (_row(slot_index="3"), "slot_index must be an integer"),
    (json.dumps(_row()).replace('"energy_cost_kwh": 0.25', '"energy_cost_kwh": NaN').encode(),
     "energy_cost_kwh must be finite"),
    (json.dumps(_row()).replace('"budget_spent_kwh": 0.5', '"budget_spent_kwh": -Infinity').encode(),
     "budget_spent_kwh must be finite"),
    (json.dumps(_row()).replace('"planned_offset_deg": 1.0', '"planned_offset_deg": 1e400').encode(),
     "planned_offset_deg must be finite"),
    (_row(actual_offset_deg=10**400), "actual_offset_deg must be finite"),
    (_row(energy_cost_kwh=-0.5), "energy_cost_kwh must be >= 0"),
    (_row(gate_passed="true"), "gate_passed must be a boolean"),
    (_row(source="\ud800"), "source must be valid Unicode text"),
    (_row(stage_id=["s1"]), "stage_id must be a string"),
    (_row(timestamp="0001-01-01T00:00:00+05:00"), "out of range in UTC"),
    (_row(timestamp="9999-12-31T23:59:59-05:00"), "out of range in UTC"),
    (_row(timestamp="2025-03-03T10:00:00"), "time-zone aware"),
    (_row(timestamp="x" * 5000), "timestamp must be an ISO-8601 date-time"),
    ({k: v for k, v in _row().items() if k != "stage_id"}, "stage_id is missing"),
    (b"\xff\xfe not utf-8", "not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
    (b"[1, 2]", "expected a JSON object"),
])
def test_a_bad_line_exits_2_with_one_line_naming_it_and_writes_nothing(capsys, monkeypatch, audit_dir,
                                                                       bad_line, message):
    before = _files(audit_dir)
    code, out, err = _run(capsys, monkeypatch, ["budget", "log"], _lines(GOOD_OTHER_DAY, bad_line, _row()))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "stdin line 2: " in err and message in err, err
    assert len(err) < 300
    assert _files(audit_dir) == before  # not the valid first line's day either


@pytest.mark.parametrize("batch_id", ["", "x" * 201, "tab\there"])
def test_a_bad_batch_id_exits_2(capsys, monkeypatch, audit_dir, batch_id):
    before = _files(audit_dir)
    code, _, err = _run(capsys, monkeypatch, ["budget", "log", "--batch-id", batch_id], _lines(_row()))
    assert code == 2 and err.count("\n") == 1 and "batch id must be" in err
    assert _files(audit_dir) == before


def test_a_retry_with_a_batch_id_prints_that_nothing_was_appended(capsys, monkeypatch, audit_dir):
    lines = _lines(GOOD_OTHER_DAY, _row())
    first = _run(capsys, monkeypatch, ["budget", "log", "--batch-id", "run-7"], lines)
    again = _run(capsys, monkeypatch, ["budget", "log", "--batch-id", "run-7"], lines)
    assert json.loads(first[1]) == {"appended": 2, "batch_id": "run-7", "already_committed": False}
    assert json.loads(again[1]) == {"appended": 0, "batch_id": "run-7", "already_committed": True}
    assert json.loads(_run(capsys, monkeypatch, ["budget", "daily", "2025-03-05"])[1])["slots"] == 1


@pytest.mark.parametrize("variable, value", [
    ("BUDGET_SYSTEM_CAPACITY_KW", "nan"), ("BUDGET_SYSTEM_CAPACITY_KW", "-1"),
    ("BUDGET_SYSTEM_CAPACITY_KW", "1e300"), ("BUDGET_SYSTEM_CAPACITY_KW", "inf"),
    ("BUDGET_SYSTEM_CAPACITY_KW", "lots"), ("BUDGET_MAX_ENERGY_REDUCTION_PCT", "NaN"),
    ("BUDGET_MAX_ENERGY_REDUCTION_PCT", "-0.5"), ("BUDGET_MAX_ENERGY_REDUCTION_PCT", "101"),
    ("BUDGET_MAX_ENERGY_REDUCTION_PCT", "-inf"),
])
@pytest.mark.parametrize("argv", [["budget", "report"], ["budget", "daily", "2025-03-03"], ["budget", "log"]])
def test_a_bad_setting_exits_2_naming_the_variable(capsys, monkeypatch, audit_dir, variable, value, argv):
    monkeypatch.setenv(variable, value)
    before = _files(audit_dir)
    code, out, err = _run(capsys, monkeypatch, argv, _lines(_row()))
    assert code == 2 and out == "" and err.count("\n") == 1 and err.split(": error: ")[1].startswith(variable)
    assert _files(audit_dir) == before


def _not_a_folder(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path, "is a file, not a folder"


def _under_a_file(tmp_path):
    return _not_a_folder(tmp_path)[0] / "log", "Not a directory"


def _symlink_loop(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    return loop, "Too many levels of symbolic links"


@pytest.mark.parametrize("make", [_not_a_folder, _under_a_file, _symlink_loop])
@pytest.mark.parametrize("argv", [["budget", "report"], ["budget", "daily", "2025-03-03"], ["budget", "log"]])
def test_an_unusable_audit_dir_is_an_error_not_no_audit_data(capsys, monkeypatch, tmp_path, make, argv):
    path, reason = make(tmp_path)
    monkeypatch.setenv("BUDGET_AUDIT_DIR", str(path))
    before = _files(tmp_path)
    code, out, err = _run(capsys, monkeypatch, argv, _lines(_row()))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "BUDGET_AUDIT_DIR" in err and reason in err and "No audit data" not in err
    assert _files(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_audit_dir_is_an_error(capsys, monkeypatch, tmp_path):
    root = tmp_path / "log"
    root.mkdir(mode=0)
    monkeypatch.setenv("BUDGET_AUDIT_DIR", str(root))
    code, _, err = _run(capsys, monkeypatch, ["budget", "report"])
    assert code == 2 and "is not readable" in err


def test_the_dagster_assets_fail_with_the_message(warehouse, tmp_path):
    from compliance_pipeline.warehouse.resource import WarehouseResource

    path, reason = _not_a_folder(tmp_path)
    result = dg.materialize([budget_daily_summary], partition_key=date(2025, 3, 3).isoformat(),
                            resources={"warehouse": WarehouseResource(url=warehouse.url.raw),
                                       "budget_audit": BudgetAuditResource(audit_dir=str(path))},
                            raise_on_error=False)
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert reason in failure.step_failure_data.error.message or \
        reason in (failure.step_failure_data.user_failure_data.description or "")
