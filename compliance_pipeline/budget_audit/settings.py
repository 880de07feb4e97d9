"""Budget settings from the environment (CONTRACT.md): capacity, annual ceiling %, log folder."""

from __future__ import annotations

import os
from pathlib import Path

from compliance_pipeline.budget_audit.core import BudgetSettings
from compliance_pipeline.errors import InputError

CAPACITY_ENV = "BUDGET_SYSTEM_CAPACITY_KW"
PCT_ENV = "BUDGET_MAX_ENERGY_REDUCTION_PCT"
AUDIT_DIR_ENV = "BUDGET_AUDIT_DIR"
DEFAULT_AUDIT_DIR = "data/budget_audit"


def settings_from_env() -> BudgetSettings:
    return BudgetSettings(
        capacity_kw=_float_env(CAPACITY_ENV, BudgetSettings.capacity_kw),
        max_energy_reduction_pct=_float_env(PCT_ENV, BudgetSettings.max_energy_reduction_pct),
    )


def audit_dir_from_env() -> Path:
    return Path(os.environ.get(AUDIT_DIR_ENV) or DEFAULT_AUDIT_DIR)


def _float_env(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or text.strip() == "":
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise InputError(f"{name} must be a number, got {text!r}") from exc
