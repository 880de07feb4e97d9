"""Demo data: ~40 active profiles (+ a few inactive) x ~8 months of daily traffic studies.

Mix per profile (deterministic from the random seed): most carry ordinary traffic (term/orig 0.8-2.5),
some are access-stimulating (3.5-6:1), some of those were flagged 10 days before the anchor
(so they show as cooldown), and some have no wholesale (originating) minutes at all.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone

from compliance_pipeline.access_stimulation import monthly_demo
from compliance_pipeline.outbox import topics
from compliance_pipeline.warehouse import Warehouse

ACTIVE_PROFILES = 40
INACTIVE_PROFILES = 4
DAYS = 240
PROFILE_COLUMNS = ["id", "name", "active", "access_stim_flagged_at", "access_stim_evidence_json"]
STUDY_COLUMNS = ["id", "profile_id", "generated_at", "retail_minutes", "wholesale_minutes"]
KINDS = ("ordinary", "stimulating", "recently_flagged", "no_wholesale")
KIND_WEIGHTS = (60, 20, 12, 8)


def profile_rows(rng: random.Random, active: int, inactive: int, anchor: date) -> list[tuple]:
    flagged_at = datetime.combine(anchor - timedelta(days=10), time(0), tzinfo=timezone.utc)
    rows = []
    for pid in range(1, active + inactive + 1):
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        stamp = flagged_at if kind == "recently_flagged" else None
        rows.append((pid, f"{kind}-{pid:05d}", pid <= active, stamp, None))
    return rows


def study_rows(rng: random.Random, profiles: list[tuple], days: int, anchor: date) -> Iterator[tuple]:
    """One study per profile per day at a random time of that day, for `days` days to anchor,
    in arrival order (day by day), as a daily ingestion would write them."""
    first = datetime.combine(anchor - timedelta(days=days - 1), time(0), tzinfo=timezone.utc)
    mix = []
    for pid, name, *_ in profiles:
        kind = name.split("-")[0]
        ratio = {"ordinary": rng.uniform(0.8, 2.5), "stimulating": rng.uniform(3.5, 6.0),
                 "recently_flagged": rng.uniform(3.5, 6.0), "no_wholesale": 1.5}[kind]
        mix.append((pid, kind, ratio, rng.randint(200, 5000)))
    study_id = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        for pid, kind, ratio, volume in mix:
            study_id += 1
            at = day + timedelta(seconds=rng.randrange(86_400))
            if kind == "no_wholesale":
                wholesale = None if offset % 2 else 0
            else:
                wholesale = int(volume * rng.uniform(0.7, 1.3))
            retail = int(volume * ratio * rng.uniform(0.7, 1.3))
            yield (study_id, pid, at, None if rng.random() < 0.01 else retail, wholesale)


def load_demo(warehouse: Warehouse, *, seed: int, scale: int, anchor: date, days: int = DAYS) -> dict:
    rng = random.Random(seed)
    profiles = profile_rows(rng, ACTIVE_PROFILES * scale, INACTIVE_PROFILES * scale, anchor)
    with warehouse.transaction() as conn:
        for table in ("cdr_traffic_studies", "cdr_ingestion_profiles",
                      "access_stim_aggregates", "access_stim_evaluations"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM outbox WHERE topic = ?", (topics.ERPNEXT_TODO,))
        conn.insert_rows("cdr_ingestion_profiles", PROFILE_COLUMNS, profiles)
        studies = conn.insert_rows("cdr_traffic_studies", STUDY_COLUMNS, study_rows(rng, profiles, days, anchor))
        monthly = monthly_demo.load(conn, seed, profiles, anchor, days)
    return {"cdr_ingestion_profiles": len(profiles), "cdr_traffic_studies": studies, **monthly}
