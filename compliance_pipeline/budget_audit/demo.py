"""Demo data for the budget_audit domain."""

from datetime import date

from compliance_pipeline.warehouse import Warehouse


def load_demo(warehouse: Warehouse, *, seed: int, scale: int, anchor: date) -> dict:
    return {}
