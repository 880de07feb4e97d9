"""`compliance-pipeline budget log | report | daily`: the seed's JSON, exit 2 on bad input."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from benchmarks.reference.budget_audit_original import seed_log_with_rows
from compliance_pipeline.cli import main
from compliance_pipeline_tests.budget_audit.helpers import slot


@pytest.fixture
def audit_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGET_AUDIT_DIR", str(tmp_path / "log"))
    return tmp_path / "log"


def _run(capsys, monkeypatch, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def _json_lines(rows):
    return "".join(json.dumps({**r, "timestamp": r["timestamp"].isoformat()}) + "\n" for r in rows)


def test_log_then_report_and_daily_print_the_seeds_json(capsys, monkeypatch, audit_dir, tmp_path):
    rows = [slot(i, cost=0.125 * i, gate=i % 5 == 0, offset=-i / 4) for i in range(120)]
    assert _run(capsys, monkeypatch, ["budget", "log"], _json_lines(rows) + "\n")[:2] == (0, {"appended": 120})
    seed = seed_log_with_rows(tmp_path / "seed.parquet", rows)
    assert _run(capsys, monkeypatch, ["budget", "report"])[1] == seed.weekly_report()
    for day in ("2025-03-03", "2025-03-04", "2025-03-09"):
        assert _run(capsys, monkeypatch, ["budget", "daily", day])[1] == seed.daily_summary(date.fromisoformat(day))


def test_settings_come_from_the_environment(capsys, monkeypatch, audit_dir):
    monkeypatch.setenv("BUDGET_SYSTEM_CAPACITY_KW", "10")
    monkeypatch.setenv("BUDGET_MAX_ENERGY_REDUCTION_PCT", "2.5")
    _run(capsys, monkeypatch, ["budget", "log"], _json_lines([slot(0, cost=1.0)]))
    report = _run(capsys, monkeypatch, ["budget", "report"])[1]
    assert report["ceiling_kwh"] == 547.5 and report["ceiling_pct"] == 2.5
    monkeypatch.setenv("BUDGET_SYSTEM_CAPACITY_KW", "lots")
    code, _, err = _run(capsys, monkeypatch, ["budget", "report"])
    assert code == 2 and "BUDGET_SYSTEM_CAPACITY_KW must be a number" in err


def test_an_empty_log_prints_the_seeds_error_dict(capsys, monkeypatch, audit_dir):
    assert _run(capsys, monkeypatch, ["budget", "report"])[1] == {"error": "No audit data"}
    assert _run(capsys, monkeypatch, ["budget", "daily", "2025-03-03"])[1] == {"error": "No audit data"}


@pytest.mark.parametrize("stdin, message", [
    ("{not json}\n", "stdin line 1: not JSON"),
    ("[1, 2]\n", "stdin line 1: expected a JSON object"),
    (None, "stdin line 2: energy_cost_kwh must be >= 0"),
    (None, "stdin line 2: timestamp must be time-zone aware"),
])
def test_bad_lines_exit_2_naming_line_and_field_and_write_nothing(capsys, monkeypatch, audit_dir, stdin, message):
    if stdin is None:
        bad = {**slot(1)}
        if "energy" in message:
            bad["energy_cost_kwh"] = -2.0
        else:
            bad["timestamp"] = bad["timestamp"].replace(tzinfo=None)
        stdin = _json_lines([slot(0), bad])
    code, _, err = _run(capsys, monkeypatch, ["budget", "log"], stdin)
    assert code == 2 and message in err
    assert not list(audit_dir.rglob("*.parquet"))


def test_a_malformed_day_exits_2(capsys, monkeypatch, audit_dir):
    code, _, err = _run(capsys, monkeypatch, ["budget", "daily", "03/03/2025"])
    assert code == 2 and "day must be YYYY-MM-DD" in err
