"""The source tables, with the names and columns the original systems use (docs/reference.md)."""

VERSION = 1


def statements(backend: str) -> list[str]:
    return [
        """
        CREATE TABLE cdr_ingestion_profiles (
            id BIGINT PRIMARY KEY,
            name TEXT,
            active BOOLEAN NOT NULL,
            access_stim_flagged_at TIMESTAMPTZ,
            access_stim_evidence_json TEXT
        )""",
        """
        CREATE TABLE cdr_traffic_studies (
            id BIGINT PRIMARY KEY,
            profile_id BIGINT NOT NULL,
            generated_at TIMESTAMPTZ NOT NULL,
            retail_minutes BIGINT,
            wholesale_minutes BIGINT
        )""",
        "CREATE INDEX cdr_traffic_studies_profile_time ON cdr_traffic_studies (profile_id, generated_at)",
        "CREATE INDEX cdr_traffic_studies_time ON cdr_traffic_studies (generated_at)",
        """
        CREATE TABLE opportunity (
            id BIGINT PRIMARY KEY,
            opportunity_id TEXT UNIQUE,
            name TEXT
        )""",
        """
        CREATE TABLE payment_unit (
            id BIGINT PRIMARY KEY,
            opportunity_id BIGINT,
            name TEXT,
            amount BIGINT,
            org_amount BIGINT
        )""",
        """
        CREATE TABLE opportunity_access (
            id BIGINT PRIMARY KEY,
            opportunity_id BIGINT,
            user_id TEXT,
            suspended BOOLEAN NOT NULL,
            payment_accrued BIGINT NOT NULL
        )""",
        """
        CREATE TABLE opportunity_claim_limit (
            id BIGINT PRIMARY KEY,
            opportunity_access_id BIGINT,
            payment_unit_id BIGINT,
            max_visits INTEGER NOT NULL
        )""",
        """
        CREATE TABLE completed_work (
            id BIGINT PRIMARY KEY,
            opportunity_access_id BIGINT,
            payment_unit_id BIGINT,
            entity_id TEXT,
            status TEXT,
            date_created TIMESTAMPTZ,
            status_modified_date TIMESTAMPTZ,
            saved_approved_count INTEGER,
            saved_payment_accrued BIGINT,
            saved_org_payment_accrued BIGINT
        )""",
        "CREATE INDEX completed_work_access_unit ON completed_work (opportunity_access_id, payment_unit_id, date_created, id)",
        """
        CREATE TABLE user_visit (
            id BIGINT PRIMARY KEY,
            opportunity_access_id BIGINT,
            completed_work_id BIGINT,
            xform_id TEXT,
            entity_id TEXT,
            status TEXT,
            date_created TIMESTAMPTZ,
            status_modified_date TIMESTAMPTZ
        )""",
        "CREATE INDEX user_visit_completed_work ON user_visit (completed_work_id)",
        """
        CREATE TABLE monitor_snapshots (
            unit_id TEXT,
            observed_at TIMESTAMPTZ,
            lp DOUBLE PRECISION,
            leq DOUBLE PRECISION,
            lmax DOUBLE PRECISION,
            lmin DOUBLE PRECISION,
            lpeak DOUBLE PRECISION,
            ln1 DOUBLE PRECISION,
            ln2 DOUBLE PRECISION
        )""",
        "CREATE INDEX monitor_snapshots_unit_time ON monitor_snapshots (unit_id, observed_at)",
        "CREATE INDEX monitor_snapshots_time ON monitor_snapshots (observed_at)",
        "CREATE SEQUENCE alert_rules_id_seq START 1",
        """
        CREATE TABLE alert_rules (
            id BIGINT PRIMARY KEY DEFAULT nextval('alert_rules_id_seq'),
            unit_id TEXT,
            name TEXT,
            metric TEXT,
            comparison TEXT,
            threshold_db DOUBLE PRECISION,
            duration_s DOUBLE PRECISION NOT NULL DEFAULT 0,
            clear_margin_db DOUBLE PRECISION NOT NULL DEFAULT 0,
            schedule_start TEXT,
            schedule_end TEXT,
            schedule_days TEXT,
            timezone TEXT NOT NULL DEFAULT 'UTC',
            enabled BOOLEAN NOT NULL
        )""",
    ]
