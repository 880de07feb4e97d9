"""Dagster definitions of the over_cap domain."""

import dagster as dg

from compliance_pipeline.catalog import with_code_references
from compliance_pipeline.over_cap.assets import over_cap_visit_plan, source_specs
from compliance_pipeline.over_cap.jobs import remediate_over_cap_visits

defs = dg.Definitions(
    assets=with_code_references([*source_specs, over_cap_visit_plan]),
    jobs=[remediate_over_cap_visits],
)
