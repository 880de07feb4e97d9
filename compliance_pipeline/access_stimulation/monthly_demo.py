"""Demo rows for the monthly determination: carrier classes and revenue sharing agreements.

Drawn from their own random stream, so the daily monitor's demo rows stay exactly as before.
Every fifth profile is a rate-of-return LEC; most access-stimulating profiles (3.5-6:1) share
revenue under an open-ended agreement (engaged under (bbb)(1)(i)); one agreement ended two
months before the anchor (that profile exits the month after); a few ordinary profiles have
an agreement but never reach 3:1.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.warehouse import Connection

COUNTERPARTIES = ("FreeConf Bridge LLC", "ChatLine Partners", "Rural Voice Hub", "Conference Direct Inc.")


def load(conn: Connection, seed: int, profiles: list[tuple], anchor: date, days: int) -> dict:
    rng = random.Random(f"monthly-{seed}")
    first_day = anchor - timedelta(days=days - 1)
    ended_on = core.add_months(anchor.replace(day=1), -2) - timedelta(days=1)
    conn.execute("DELETE FROM access_revenue_sharing_agreements")
    conn.execute("DELETE FROM access_stim_monthly_status")
    rate_of_return = [pid for pid, *_ in profiles if pid % 5 == 0]
    if rate_of_return:
        conn.execute("UPDATE cdr_ingestion_profiles SET carrier_class = 'rate_of_return' WHERE id = ANY(?)",
                     (rate_of_return,))
    agreements, ended = [], False
    for pid, name, *_ in profiles:
        kind = name.split("-")[0]
        if kind in ("stimulating", "recently_flagged") and rng.random() < 0.75:
            starts_on, ends_on = first_day, None
            if not ended:  # a short demo window (benchmarks' --days) may start after that end
                starts_on, ends_on, ended = min(first_day, ended_on), ended_on, True
            agreements.append((pid, rng.choice(COUNTERPARTIES), starts_on, ends_on))
        elif kind == "ordinary" and rng.random() < 0.1:
            agreements.append((pid, rng.choice(COUNTERPARTIES), first_day + timedelta(days=rng.randrange(days)), None))
    for row in agreements:
        conn.execute("INSERT INTO access_revenue_sharing_agreements (profile_id, counterparty, starts_on, ends_on)"
                     " VALUES (?, ?, ?, ?)", row)
    return {"rate_of_return_profiles": len(rate_of_return), "access_revenue_sharing_agreements": len(agreements)}
