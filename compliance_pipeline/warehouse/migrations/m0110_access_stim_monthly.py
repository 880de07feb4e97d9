"""access_stimulation's monthly 47 CFR 61.3(bbb) determination: the carrier class of a profile,
its access revenue sharing agreements, optional direction-tagged interstate minutes on the
studies, and the monthly status output. The original columns keep their meaning (retail =
terminating proxy, wholesale = originating proxy); the new study columns are used when present."""

VERSION = 110

CARRIER_CLASSES = ("clec", "rate_of_return")


def statements(backend: str) -> list[str]:
    if backend == "postgresql":
        carrier_class = [
            "ALTER TABLE cdr_ingestion_profiles ADD COLUMN carrier_class TEXT NOT NULL DEFAULT 'clec'"
            " CONSTRAINT cdr_ingestion_profiles_carrier_class CHECK (carrier_class IN ('clec', 'rate_of_return'))"]
    else:
        # DuckDB cannot add a CHECK constraint to an existing table; an ENUM column refuses any
        # other value just the same ("Could not convert string 'x' to ENUM(...)").
        carrier_class = [
            "CREATE TYPE carrier_class AS ENUM ('clec', 'rate_of_return')",
            "ALTER TABLE cdr_ingestion_profiles ADD COLUMN carrier_class carrier_class NOT NULL DEFAULT 'clec'"]
    return carrier_class + [
        "ALTER TABLE cdr_traffic_studies ADD COLUMN interstate_terminating_minutes BIGINT",
        "ALTER TABLE cdr_traffic_studies ADD COLUMN interstate_originating_minutes BIGINT",
        "CREATE SEQUENCE access_revenue_sharing_agreements_id_seq START 1",
        # ends_on is the last day the agreement is in force (NULL: open-ended).
        """
        CREATE TABLE access_revenue_sharing_agreements (
            id BIGINT PRIMARY KEY DEFAULT nextval('access_revenue_sharing_agreements_id_seq'),
            profile_id BIGINT NOT NULL,
            counterparty TEXT NOT NULL,
            starts_on DATE NOT NULL,
            ends_on DATE,
            CHECK (ends_on IS NULL OR ends_on >= starts_on)
        )""",
        "CREATE INDEX access_revenue_sharing_agreements_profile"
        " ON access_revenue_sharing_agreements (profile_id, starts_on)",
        # One row per active profile per calendar month (month = its first day, UTC). The
        # minutes and the state columns are what the next month carries on from.
        """
        CREATE TABLE access_stim_monthly_status (
            month DATE NOT NULL,
            profile_id BIGINT NOT NULL,
            carrier_class TEXT NOT NULL,
            term_minutes BIGINT NOT NULL,
            orig_minutes BIGINT NOT NULL,
            term_source TEXT NOT NULL,
            orig_source TEXT NOT NULL,
            ratio DOUBLE PRECISION,
            year_ago_term_minutes BIGINT NOT NULL,
            year_ago_orig_minutes BIGINT NOT NULL,
            term_growth_pct DOUBLE PRECISION,
            orig_growth_pct DOUBLE PRECISION,
            has_agreement BOOLEAN NOT NULL,
            agreement_trigger_met BOOLEAN NOT NULL,
            clec_ratio_trigger_met BOOLEAN,
            ror_ratio_trigger_met BOOLEAN,
            period_term_minutes BIGINT,
            period_orig_minutes BIGINT,
            state TEXT NOT NULL CHECK (state IN ('engaged', 'not_engaged')),
            basis_agreement BOOLEAN NOT NULL,
            basis_ratio BOOLEAN NOT NULL,
            engaged_since DATE,
            months_below INTEGER NOT NULL,
            may_exit_month DATE,
            newly_engaged BOOLEAN NOT NULL,
            exited BOOLEAN NOT NULL,
            notice_due_on DATE,
            evidence_json TEXT,
            PRIMARY KEY (month, profile_id)
        )""",
    ]
