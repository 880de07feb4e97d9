"""over_cap: reviewable remediation plans, runs, and the log that lets a run be undone exactly."""

VERSION = 300


def statements(backend: str) -> list[str]:
    return [
        # One row per plan; plan_id is a digest of the plan's scope and items, so the same
        # data always yields the same id and a reviewed id pins the exact rows to change.
        """
        CREATE TABLE over_cap_plan (
            plan_id TEXT PRIMARY KEY,
            created_at TIMESTAMPTZ NOT NULL,
            opportunity_id TEXT,
            include_suspended BOOLEAN NOT NULL,
            accesses INTEGER NOT NULL,
            completed_works INTEGER NOT NULL,
            visits INTEGER NOT NULL,
            skipped_accesses INTEGER NOT NULL,
            worker_accrual_drop BIGINT NOT NULL,
            org_accrual_drop BIGINT NOT NULL
        )""",
        # The rows a plan flips: table_name is completed_work or user_visit.
        """
        CREATE TABLE over_cap_plan_item (
            plan_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id BIGINT NOT NULL,
            completed_work_id BIGINT NOT NULL,
            opportunity_access_id BIGINT NOT NULL,
            payment_unit_id BIGINT NOT NULL,
            current_status TEXT NOT NULL,
            position INTEGER NOT NULL,
            max_visits INTEGER NOT NULL
        )""",
        "CREATE INDEX over_cap_plan_item_plan ON over_cap_plan_item (plan_id)",
        # Per access: projected accruals; skipped = suspended and left alone.
        """
        CREATE TABLE over_cap_plan_access (
            plan_id TEXT NOT NULL,
            opportunity_access_id BIGINT NOT NULL,
            user_id TEXT,
            suspended BOOLEAN NOT NULL,
            skipped BOOLEAN NOT NULL,
            completed_works INTEGER NOT NULL,
            visits INTEGER NOT NULL,
            worker_accrual_before BIGINT NOT NULL,
            worker_accrual_after BIGINT NOT NULL,
            org_accrual_before BIGINT NOT NULL,
            org_accrual_after BIGINT NOT NULL
        )""",
        "CREATE INDEX over_cap_plan_access_plan ON over_cap_plan_access (plan_id)",
        """
        CREATE TABLE over_cap_run (
            run_id TEXT PRIMARY KEY,
            plan_id TEXT NOT NULL,
            opportunity_id TEXT,
            applied_at TIMESTAMPTZ NOT NULL,
            accesses INTEGER NOT NULL,
            completed_works INTEGER NOT NULL,
            visits INTEGER NOT NULL,
            worker_accrual_drop BIGINT NOT NULL,
            org_accrual_drop BIGINT NOT NULL,
            undone_at TIMESTAMPTZ,
            undone_by TEXT
        )""",
        # Prior state of every row a run changed (status, its timestamp, accruals), so undo
        # restores it exactly. table_name: completed_work, user_visit or opportunity_access.
        "CREATE SEQUENCE over_cap_remediation_log_id_seq START 1",
        """
        CREATE TABLE over_cap_remediation_log (
            id BIGINT PRIMARY KEY DEFAULT nextval('over_cap_remediation_log_id_seq'),
            run_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id BIGINT NOT NULL,
            opportunity_access_id BIGINT NOT NULL,
            previous_status TEXT,
            new_status TEXT,
            previous_status_modified_date TIMESTAMPTZ,
            new_status_modified_date TIMESTAMPTZ,
            previous_payment_accrued BIGINT,
            new_payment_accrued BIGINT,
            previous_org_payment_accrued BIGINT,
            new_org_payment_accrued BIGINT
        )""",
        "CREATE INDEX over_cap_remediation_log_run ON over_cap_remediation_log (run_id, table_name)",
    ]
