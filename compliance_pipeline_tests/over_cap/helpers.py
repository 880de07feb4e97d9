"""Small scenario builder for over_cap tests: rows go in with insert_rows, accruals consistent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from compliance_pipeline.over_cap import core
from compliance_pipeline.warehouse import Warehouse

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=timezone.utc)
OPP = "11111111-2222-4333-8444-555555555555"
OTHER_OPP = "99999999-8888-4777-8666-555555555555"

SOURCE_TABLES = ("opportunity", "payment_unit", "opportunity_access", "opportunity_claim_limit",
                 "completed_work", "user_visit")
OUTPUT_TABLES = ("over_cap_plan", "over_cap_plan_item", "over_cap_plan_access", "over_cap_run",
                 "over_cap_remediation_log")


class Scenario:
    def __init__(self):
        self.opportunities: list[tuple] = []
        self.units: dict[int, tuple] = {}
        self.accesses: dict[int, list] = {}
        self.limits: list[tuple] = []
        self.works: list[tuple] = []
        self.visits: list[tuple] = []

    def opportunity(self, uuid: str = OPP) -> int:
        self.opportunities.append((len(self.opportunities) + 1, uuid, f"opp {uuid[:4]}"))
        return len(self.opportunities)

    def unit(self, opportunity: int, amount: int = 1000, org_amount: int = 200) -> int:
        unit_id = len(self.units) + 1
        self.units[unit_id] = (unit_id, opportunity, f"unit {unit_id}", amount, org_amount)
        return unit_id

    def access(self, opportunity: int, suspended: bool = False) -> int:
        access_id = len(self.accesses) + 1
        self.accesses[access_id] = [access_id, opportunity, f"user-{access_id}", suspended, 0]
        return access_id

    def limit(self, access: int, unit: int, max_visits: int) -> None:
        self.limits.append((len(self.limits) + 1, access, unit, max_visits))

    def work(self, access: int, unit: int, status: str = "approved", minute: int | None = None,
             visits: int = 1, visit_status: str | None = None) -> int:
        cw_id = len(self.works) + 1
        created = T0 + timedelta(minutes=cw_id if minute is None else minute)
        pay = core.work_accrual(status, 1, self.units[unit][3])
        org = core.work_accrual(status, 1, self.units[unit][4])
        self.accesses[access][4] += pay
        self.works.append((cw_id, access, unit, f"e{cw_id}", status, created, None,
                           1 if status == "approved" else 0, pay, org))
        for _ in range(visits):
            self.visits.append((len(self.visits) + 1, access, cw_id, f"x{len(self.visits) + 1}",
                                f"e{cw_id}", visit_status or status, created, None))
        return cw_id

    def load(self, warehouse: Warehouse) -> None:
        with warehouse.transaction() as conn:
            conn.insert_rows("opportunity", ["id", "opportunity_id", "name"], self.opportunities)
            conn.insert_rows("payment_unit", ["id", "opportunity_id", "name", "amount", "org_amount"],
                             list(self.units.values()))
            conn.insert_rows("opportunity_access",
                             ["id", "opportunity_id", "user_id", "suspended", "payment_accrued"],
                             [tuple(a) for a in self.accesses.values()])
            conn.insert_rows("opportunity_claim_limit",
                             ["id", "opportunity_access_id", "payment_unit_id", "max_visits"],
                             self.limits)
            conn.insert_rows("completed_work",
                             ["id", "opportunity_access_id", "payment_unit_id", "entity_id", "status",
                              "date_created", "status_modified_date", "saved_approved_count",
                              "saved_payment_accrued", "saved_org_payment_accrued"], self.works)
            conn.insert_rows("user_visit",
                             ["id", "opportunity_access_id", "completed_work_id", "xform_id",
                              "entity_id", "status", "date_created", "status_modified_date"],
                             self.visits)


def snapshot(warehouse: Warehouse, tables=SOURCE_TABLES + OUTPUT_TABLES) -> dict:
    """Every row of every table involved, for byte-for-byte 'nothing changed' assertions."""
    with warehouse.connect() as conn:
        return {t: conn.query(f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables}


def statuses(warehouse: Warehouse, table: str) -> dict[int, str]:
    with warehouse.connect() as conn:
        return dict(conn.query(f"SELECT id, status FROM {table} ORDER BY id"))


def accrued(warehouse: Warehouse) -> dict[int, int]:
    with warehouse.connect() as conn:
        return dict(conn.query("SELECT id, payment_accrued FROM opportunity_access ORDER BY id"))


def select_over_cap(works: list[tuple[int, datetime, str]], max_visits: int) -> list[int]:
    """Reference rule for one claim limit: ids of counted works beyond the first max_visits,
    ordered by (date_created, id). Works are (id, date_created, status)."""
    counted = sorted((w for w in works if w[2] in core.COUNTED_STATUSES), key=lambda w: (w[1], w[0]))
    return [w[0] for w in counted[max_visits:]]
