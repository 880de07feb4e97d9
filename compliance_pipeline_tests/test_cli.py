"""The console script's contract: JSON on stdout, exit 0 ok, exit 2 with one line on bad input."""

import json
import subprocess
import sys

import pytest

from compliance_pipeline.cli import main


def test_init_prints_json_and_is_idempotent(empty_warehouse, monkeypatch, capsys):
    monkeypatch.setenv("COMPLIANCE_WAREHOUSE_URL", empty_warehouse.url.raw)
    assert main(["init"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["applied"][0] == "m0001_source_tables"
    assert main(["init"]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == []


@pytest.mark.parametrize(("url", "code"), [
    ("mysql://nope/db", 2),  # bad input
    ("postgresql://u:hunter2@127.0.0.1:1/db", 1),  # nothing listens there: the service is unavailable
    ("postgresql://u@127.0.0.1:1/db?password=hunter2", 1),
])
def test_bad_or_unreachable_warehouse_url_is_one_line_without_password(url, code):
    proc = subprocess.run(
        [sys.executable, "-m", "compliance_pipeline.cli", "init"],
        env={"COMPLIANCE_WAREHOUSE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == code
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "warehouse" in lines[0]
    assert "hunter2" not in proc.stderr


def test_unknown_subcommand_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
