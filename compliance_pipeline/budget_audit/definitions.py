"""Dagster definitions of the budget_audit domain."""

import dagster as dg

defs = dg.Definitions()
