"""The Dagster resource `budget_audit`: where the parquet log lives and the ceiling settings.

Unset fields fall back to the environment (BUDGET_AUDIT_DIR, BUDGET_SYSTEM_CAPACITY_KW,
BUDGET_MAX_ENERGY_REDUCTION_PCT), read when a run starts, like the CLI does.
"""

from __future__ import annotations

import dagster as dg

from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.settings import settings_from_env
from compliance_pipeline.errors import InputError


class BudgetAuditResource(dg.ConfigurableResource):
    """The budget audit log folder and the annual ceiling settings."""

    audit_dir: str | None = None
    capacity_kw: float | None = None
    max_energy_reduction_pct: float | None = None

    def get(self) -> BudgetAuditLog:
        """The log; a bad folder or setting fails the run with one clear message naming it."""
        try:
            settings = settings_from_env(self.capacity_kw, self.max_energy_reduction_pct)
            return BudgetAuditLog(self.audit_dir, settings)
        except InputError as exc:
            raise dg.Failure(description=f"budget_audit resource: {exc}") from exc
