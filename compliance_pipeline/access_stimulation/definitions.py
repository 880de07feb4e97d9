"""Dagster definitions of the access_stimulation domain."""

import dagster as dg

defs = dg.Definitions()
