"""Budget audit rollups: one row per summarized day, two rows per reported week.

No primary keys on purpose: a re-materialization deletes and re-inserts its partition's rows
in one transaction, and DuckDB can raise spurious key conflicts for that inside a transaction.
"""

VERSION = 200


def statements(backend: str) -> list[str]:
    return [
        """
        CREATE TABLE budget_daily_summary (
            day DATE NOT NULL,
            slots INTEGER NOT NULL,
            total_cost_kwh DOUBLE PRECISION NOT NULL,
            interventions INTEGER NOT NULL,
            max_offset_deg DOUBLE PRECISION,
            budget_remaining_kwh DOUBLE PRECISION,
            computed_at TIMESTAMPTZ NOT NULL
        )""",
        # scope 'week': the original script's formulas over the week's own rows;
        # scope 'to_date': the original script's cumulative report over every row up to the week's end.
        """
        CREATE TABLE budget_weekly_report (
            week_start DATE NOT NULL,
            scope TEXT NOT NULL,
            period_days INTEGER NOT NULL,
            total_cost_kwh DOUBLE PRECISION NOT NULL,
            daily_avg_kwh DOUBLE PRECISION NOT NULL,
            projected_annual_kwh DOUBLE PRECISION NOT NULL,
            ceiling_kwh DOUBLE PRECISION NOT NULL,
            ceiling_pct DOUBLE PRECISION NOT NULL,
            utilization_pct DOUBLE PRECISION NOT NULL,
            compliant BOOLEAN NOT NULL,
            total_interventions INTEGER NOT NULL,
            intervention_rate_pct DOUBLE PRECISION NOT NULL,
            computed_at TIMESTAMPTZ NOT NULL
        )""",
    ]
