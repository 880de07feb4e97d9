"""Demo data for over_cap: workers at, under and over their claim limits.

Opportunity DEMO_OPPORTUNITY_ID has a payment unit that needs two deliver units (registration +
service visit) per completed work and a single-visit one; per group of six workers: one exactly
at the cap, one two over, one over with rejected/over_limit/incomplete work that must not count,
one under, one suspended and over, one with a random overshoot. OTHER_OPPORTUNITY_ID has workers
one over, so a scoped run visibly leaves it untouched. `scale` multiplies the accesses.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from compliance_pipeline.over_cap import core
from compliance_pipeline.warehouse import Warehouse

DEMO_OPPORTUNITY_ID = "21bca9f7-00f9-4804-a7c0-e77c6139e579"
OTHER_OPPORTUNITY_ID = "6a0f3c2e-5d1b-4c8e-9f47-2b1e8d9c0a13"

SOURCE_TABLES = ("user_visit", "completed_work", "opportunity_claim_limit", "opportunity_access",
                 "payment_unit", "opportunity")
OUTPUT_TABLES = ("over_cap_remediation_log", "over_cap_run", "over_cap_plan_access",
                 "over_cap_plan_item", "over_cap_plan")

# (payment unit id, opportunity pk, name, amount, org_amount, deliver units per completed work)
PAYMENT_UNITS = [
    (11, 1, "Household visit (registration + service)", 500, 100, 2),
    (12, 1, "Follow-up visit", 300, 50, 1),
    (21, 2, "Screening", 400, 80, 1),
]
CAPS = {11: 4, 12: 3, 21: 2}
_WORK_COLUMNS = ["id", "opportunity_access_id", "payment_unit_id", "entity_id", "status",
                 "date_created", "status_modified_date", "saved_approved_count",
                 "saved_payment_accrued", "saved_org_payment_accrued"]
_VISIT_COLUMNS = ["id", "opportunity_access_id", "completed_work_id", "xform_id", "entity_id",
                  "status", "date_created", "status_modified_date"]


def _profiles(rng: random.Random) -> list[tuple[bool, dict[int, list[str]]]]:
    """Six worker profiles in opportunity 1: (suspended, statuses per payment unit)."""
    approved = "approved"
    return [
        (False, {11: [approved] * 4, 12: [approved] * 3}),  # exactly at the cap: untouched
        (False, {11: [approved] * 6, 12: [approved] * 2}),  # two over on the two-visit unit
        (False, {11: [approved, "rejected", "over_limit", approved, "incomplete", approved,
                      approved], 12: [approved] * 4}),  # uncounted statuses; one over on unit 12
        (False, {11: [approved] * 2, 12: ["pending"]}),  # under the cap
        (True, {11: [approved] * 6, 12: [approved] * 3}),  # suspended, two over: skipped
        (False, {11: [rng.choice([approved, "pending"]) for _ in range(4 + rng.randint(0, 3))],
                 12: [approved] * 3}),
    ]


def load_demo(warehouse: Warehouse, *, seed: int, scale: int, anchor: date) -> dict:
    rng = random.Random(seed)
    end = datetime.combine(anchor, time(23, 0), tzinfo=timezone.utc)
    units = {pu[0]: pu for pu in PAYMENT_UNITS}
    accesses, limits, works, visits = [], [], [], []
    plan: list[tuple[int, bool, dict[int, list[str]]]] = []
    for _copy in range(scale):
        for suspended, per_unit in _profiles(rng):
            plan.append((1, suspended, per_unit))
        for _ in range(3):
            plan.append((2, False, {21: ["approved"] * 3}))
    for access_id, (opportunity_pk, suspended, per_unit) in enumerate(plan, start=1):
        accrued = 0
        for unit_id, statuses in per_unit.items():
            limits.append((len(limits) + 1, access_id, unit_id, CAPS[unit_id]))
            # Creation times are shuffled against ids, so ordering by date_created matters.
            slots = rng.sample(range(60 * 24), len(statuses))  # 40-minute slots in 40 days
            for status, slot in zip(statuses, slots):
                cw_id = len(works) + 1
                created = end - timedelta(minutes=slot * 40)
                pay = core.work_accrual(status, 1, units[unit_id][3])
                org = core.work_accrual(status, 1, units[unit_id][4])
                accrued += pay
                entity = f"entity-{access_id}-{cw_id}"
                works.append((cw_id, access_id, unit_id, entity, status, created, created,
                               1 if status == "approved" else 0, pay, org))
                visit_status = "pending" if status == "incomplete" else status
                for unit_part in range(units[unit_id][5]):
                    vid = len(visits) + 1
                    visits.append((vid, access_id, cw_id, f"xform-{vid:08d}", entity, visit_status,
                                   created - timedelta(minutes=5 * (units[unit_id][5] - unit_part)),
                                   created))
        accesses.append((access_id, opportunity_pk, f"worker-{access_id:05d}", suspended, accrued))
    with warehouse.transaction() as conn:
        for table in OUTPUT_TABLES + SOURCE_TABLES:
            conn.execute(f"DELETE FROM {table}")
        conn.insert_rows("opportunity", ["id", "opportunity_id", "name"],
                         [(1, DEMO_OPPORTUNITY_ID, "Maternal health household visits"),
                          (2, OTHER_OPPORTUNITY_ID, "Malaria screening")])
        conn.insert_rows("payment_unit", ["id", "opportunity_id", "name", "amount", "org_amount"],
                         [pu[:5] for pu in PAYMENT_UNITS])
        conn.insert_rows("opportunity_access",
                         ["id", "opportunity_id", "user_id", "suspended", "payment_accrued"], accesses)
        conn.insert_rows("opportunity_claim_limit",
                         ["id", "opportunity_access_id", "payment_unit_id", "max_visits"], limits)
        conn.insert_rows("completed_work", _WORK_COLUMNS, works)
        conn.insert_rows("user_visit", _VISIT_COLUMNS, visits)
    return {"opportunity": 2, "payment_unit": len(PAYMENT_UNITS), "opportunity_access": len(accesses),
            "opportunity_claim_limit": len(limits), "completed_work": len(works),
            "user_visit": len(visits)}
