"""Resources every domain shares (domain-specific resources live in their own folders)."""

import dagster as dg

from compliance_pipeline.warehouse.resource import warehouse_resource

defs = dg.Definitions(resources={"warehouse": warehouse_resource()})
