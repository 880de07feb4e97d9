"""Demo data for the access_stimulation domain."""

from datetime import date

from compliance_pipeline.warehouse import Warehouse


def load_demo(warehouse: Warehouse, *, seed: int, scale: int, anchor: date) -> dict:
    return {}
