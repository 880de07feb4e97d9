"""Budget settings from the environment (docs/reference.md): capacity, annual ceiling %, log folder."""

from __future__ import annotations

import os
from pathlib import Path

from compliance_pipeline.budget_audit.core import BudgetSettings, check_setting
from compliance_pipeline.errors import InputError

CAPACITY_ENV = "BUDGET_SYSTEM_CAPACITY_KW"
PCT_ENV = "BUDGET_MAX_ENERGY_REDUCTION_PCT"
AUDIT_DIR_ENV = "BUDGET_AUDIT_DIR"
DEFAULT_AUDIT_DIR = "data/budget_audit"


def settings_from_env(capacity_kw: float | None = None, max_energy_reduction_pct: float | None = None
                      ) -> BudgetSettings:
    """The settings; a value given here wins, an unset one comes from its env variable (or the default)."""
    return BudgetSettings(
        capacity_kw=(capacity_kw if capacity_kw is not None
                     else _setting_env(CAPACITY_ENV, "capacity_kw", BudgetSettings.capacity_kw)),
        max_energy_reduction_pct=(max_energy_reduction_pct if max_energy_reduction_pct is not None
                                  else _setting_env(PCT_ENV, "max_energy_reduction_pct",
                                                    BudgetSettings.max_energy_reduction_pct)),
    )


def audit_dir_from_env() -> Path:
    return Path(os.environ.get(AUDIT_DIR_ENV) or DEFAULT_AUDIT_DIR)


def _setting_env(name: str, field: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or text.strip() == "":
        return default
    try:
        value = float(text)
    except ValueError as exc:
        raise InputError(f"{name} must be a number, got {text[:60]!r}") from exc
    return check_setting(field, value, label=name)  # nan, inf, negative, 1e300: named errors
