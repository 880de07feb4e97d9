"""Dagster definitions of the over_cap domain."""

import dagster as dg

defs = dg.Definitions()
