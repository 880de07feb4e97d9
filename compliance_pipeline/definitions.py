"""The code location: each domain's definitions merged, plus the shared resources and operations alerting."""

import gc

import dagster as dg

from compliance_pipeline.collector import collector_paused

# Building the definitions allocates tens of thousands of long-lived objects: without a pause the
# cyclic collector runs a full pass over everything Dagster loaded (~50 ms) while we import, and
# frozen afterwards, later full passes in a code server or run worker no longer rescan them.
with collector_paused():
    from compliance_pipeline import daily_job, resources
    from compliance_pipeline.access_stimulation import definitions as access_stimulation
    from compliance_pipeline.alerts import definitions as alerts
    from compliance_pipeline.budget_audit import definitions as budget_audit
    from compliance_pipeline.ops import definitions as ops
    from compliance_pipeline.over_cap import definitions as over_cap

    defs = dg.Definitions.merge(
        resources.defs,
        access_stimulation.defs,
        budget_audit.defs,
        over_cap.defs,
        alerts.defs,
        daily_job.defs,
        ops.defs,
    )
gc.freeze()
