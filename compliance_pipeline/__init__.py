"""compliance_pipeline: a Dagster code location for four compliance jobs."""
