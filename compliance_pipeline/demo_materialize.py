"""`make demo`'s second half: fill the UI with a series, not one point.

On the local instance, in order: the last DEMO_DAYS days of every daily asset (one run per day,
oldest first: the access-stimulation assets build each day on the day before), the last
DEMO_WEEKS weeks of the weekly asset, last month of the monthly one, every unpartitioned asset
once, then the remediation job with its defaults (a dry run). Runs are recorded in
$DAGSTER_HOME like any other, so they show in the UI's run history, and each partition's
numeric metadata becomes a plot. Prints each run and the total time.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import dagster as dg

from compliance_pipeline.partitions import DAILY, MONTHLY, START, WEEKLY

DEMO_DAYS = 14
DEMO_WEEKS = 2


def demo_partition_keys(partitions_def, today: date) -> list[str | None]:
    """The partitions the demo fills for one partitioning, oldest first (never before START)."""
    if partitions_def is None:
        return [None]
    if partitions_def == DAILY:
        days = [today - timedelta(days=n) for n in range(DEMO_DAYS, 0, -1)]
    elif partitions_def == WEEKLY:
        this_monday = today - timedelta(days=today.weekday())
        days = [this_monday - timedelta(weeks=n) for n in range(DEMO_WEEKS, 0, -1)]
    elif partitions_def == MONTHLY:
        days = [(today.replace(day=1) - timedelta(days=1)).replace(day=1)]
    else:
        raise ValueError(f"no demo partition rule for {partitions_def}")
    first = START.replace(day=1) if partitions_def == MONTHLY else START
    return [d.isoformat() for d in days if d >= first]


def plan_runs(defs: dg.Definitions, today: date) -> list[tuple[str | None, list[dg.AssetKey]]]:
    """[(partition_key, asset keys)]: daily days in order, then weeks, months, the rest."""
    graph = defs.resolve_asset_graph()
    by_partitioning: dict[object, list[dg.AssetKey]] = defaultdict(list)
    for key in sorted(graph.materializable_asset_keys, key=lambda k: k.to_user_string()):
        by_partitioning[graph.get(key).partitions_def].append(key)
    runs = []
    for partitions_def in (DAILY, WEEKLY, MONTHLY, None):
        keys = by_partitioning.pop(partitions_def, [])
        runs += [(partition, keys) for partition in demo_partition_keys(partitions_def, today) if keys]
    if by_partitioning:
        raise ValueError(f"no demo rule for the partitions of {sorted(map(str, by_partitioning.values()))}")
    return runs


def main() -> int:
    from compliance_pipeline.definitions import defs

    started = time.monotonic()
    today = datetime.now(timezone.utc).date()
    ok = True
    with dg.DagsterInstance.get() as instance:
        for partition_key, keys in plan_runs(defs, today):
            job = defs.resolve_implicit_job_def_def_for_assets(keys)
            run_started = time.monotonic()
            result = job.execute_in_process(instance=instance, asset_selection=keys,
                                            partition_key=partition_key, raise_on_error=False)
            names = ", ".join(k.to_user_string() for k in keys)
            print(f"{'ok  ' if result.success else 'FAIL'} [{partition_key or 'unpartitioned'}] "
                  f"{time.monotonic() - run_started:5.1f} s  {names}")
            ok &= result.success
        result = defs.resolve_job_def("remediate_over_cap_visits").execute_in_process(
            instance=instance, raise_on_error=False)
        print(f"{'ok  ' if result.success else 'FAIL'} remediate_over_cap_visits (dry run)")
        ok &= result.success
    print(f"demo materialized in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
