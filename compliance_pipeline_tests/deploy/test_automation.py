"""COMPLIANCE_AUTOMATION=on starts every schedule and sensor RUNNING; unset or off, STOPPED."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dagster as dg
import pytest

from compliance_pipeline import automation
from compliance_pipeline.errors import InputError
from compliance_pipeline_tests.webui.dagster_dev import PROJECT_ROOT

STATUSES = """
import json
from compliance_pipeline.definitions import defs
repo = defs.get_repository_def()
print(json.dumps({d.name: d.default_status.value for d in [*repo.schedule_defs, *repo.sensor_defs]}))
"""
NAMED = {"daily_access_stimulation_schedule", "weekly_budget_report_schedule", "monitor_snapshot_sensor"}


def _statuses(value: str | None) -> dict[str, str]:
    """Load the code location in a fresh process, as the code server does."""
    env = {k: v for k, v in os.environ.items() if k != automation.ENV_VAR}
    if value is not None:
        env[automation.ENV_VAR] = value
    proc = subprocess.run([sys.executable, "-c", STATUSES], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("value, expected", [("on", "RUNNING"), (None, "STOPPED")])
def test_every_schedule_and_sensor_of_the_code_location_follows_the_variable(value, expected):
    statuses = _statuses(value)
    assert NAMED <= statuses.keys()
    assert statuses == dict.fromkeys(statuses, expected)


@pytest.mark.parametrize("value, running", [("on", True), ("ON", True), ("off", False), ("", False),
                                            (None, False)])
def test_the_helpers_read_on_off_or_unset(monkeypatch, value, running):
    if value is None:
        monkeypatch.delenv(automation.ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(automation.ENV_VAR, value)
    assert automation.automation_on() is running
    assert automation.schedule_status() == (dg.DefaultScheduleStatus.RUNNING if running
                                            else dg.DefaultScheduleStatus.STOPPED)
    assert automation.sensor_status() == (dg.DefaultSensorStatus.RUNNING if running
                                          else dg.DefaultSensorStatus.STOPPED)


@pytest.mark.parametrize("value", ["yes", "true", "1", "running"])
def test_any_other_value_is_an_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(automation.ENV_VAR, value)
    with pytest.raises(InputError, match=f"COMPLIANCE_AUTOMATION='{value}' is not valid"):
        automation.sensor_status()
