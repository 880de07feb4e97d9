"""COMPLIANCE_AUTOMATION: do schedules and sensors start RUNNING when a deployment loads them?

Dagster starts every schedule and sensor STOPPED unless its definition says otherwise, so a fresh
production instance would run nothing. Deployments set COMPLIANCE_AUTOMATION=on (compose and the
Helm values do); a laptop leaves it unset and starts what it wants by hand. Every schedule and
sensor definition passes `default_status=schedule_status()` / `sensor_status()`; a status someone
set in the UI or with `dagster schedule start/stop` is stored in the instance and wins over this.
"""

from __future__ import annotations

import os

import dagster as dg

from compliance_pipeline.errors import InputError

ENV_VAR = "COMPLIANCE_AUTOMATION"
_VALUES = {"on": True, "off": False, "": False}


def automation_on() -> bool:
    """True for `on`, False for `off` or unset; any other value is an error naming the variable."""
    raw = os.environ.get(ENV_VAR, "")
    value = raw.strip().lower()
    if value not in _VALUES:
        raise InputError(f"{ENV_VAR}={raw!r} is not valid: use 'on' (schedules and sensors start "
                         "RUNNING), 'off' or leave it unset (they start STOPPED)")
    return _VALUES[value]


def schedule_status() -> dg.DefaultScheduleStatus:
    """The default_status every schedule definition passes."""
    return dg.DefaultScheduleStatus.RUNNING if automation_on() else dg.DefaultScheduleStatus.STOPPED


def sensor_status() -> dg.DefaultSensorStatus:
    """The default_status every sensor definition passes (run-status and failure sensors too)."""
    return dg.DefaultSensorStatus.RUNNING if automation_on() else dg.DefaultSensorStatus.STOPPED
