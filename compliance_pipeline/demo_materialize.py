"""Materialize every asset once on the local instance, so `make demo` opens the UI on real data.

Daily assets get yesterday's partition, weekly ones last week's, monthly ones last month's, the rest one run each;
then the remediation job runs once with its defaults (a dry run). Runs are recorded in
$DAGSTER_HOME like any other, so they show in the UI's run history.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import dagster as dg

from compliance_pipeline.partitions import DAILY, MONTHLY, WEEKLY


def demo_partition_key(partitions_def, today: date) -> str | None:
    if partitions_def is None:
        return None
    if partitions_def == DAILY:
        return (today - timedelta(days=1)).isoformat()
    if partitions_def == WEEKLY:
        this_monday = today - timedelta(days=today.weekday())
        return (this_monday - timedelta(days=7)).isoformat()
    if partitions_def == MONTHLY:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
    raise ValueError(f"no demo partition rule for {partitions_def}")


def plan_runs(defs: dg.Definitions, today: date) -> list[tuple[str | None, list[dg.AssetKey]]]:
    """[(partition_key, asset keys)] grouped by partitioning: daily, then weekly, then the rest."""
    graph = defs.resolve_asset_graph()
    groups: dict[str | None, list[dg.AssetKey]] = defaultdict(list)
    for key in sorted(graph.materializable_asset_keys, key=lambda k: k.to_user_string()):
        groups[demo_partition_key(graph.get(key).partitions_def, today)].append(key)
    # ISO dates sort daily (yesterday) after weekly (last Monday): run daily first explicitly.
    daily = demo_partition_key(DAILY, today)
    order = [daily] + sorted(k for k in groups if k not in (daily, None)) + [None]
    return [(k, groups[k]) for k in order if k in groups]


def main() -> int:
    from compliance_pipeline.definitions import defs

    today = datetime.now(timezone.utc).date()
    ok = True
    with dg.DagsterInstance.get() as instance:
        for partition_key, keys in plan_runs(defs, today):
            job = defs.resolve_implicit_job_def_def_for_assets(keys)
            result = job.execute_in_process(instance=instance, asset_selection=keys,
                                            partition_key=partition_key, raise_on_error=False)
            names = ", ".join(k.to_user_string() for k in keys)
            print(f"{'ok  ' if result.success else 'FAIL'} [{partition_key or 'unpartitioned'}] {names}")
            ok &= result.success
        result = defs.resolve_job_def("remediate_over_cap_visits").execute_in_process(
            instance=instance, raise_on_error=False)
        print(f"{'ok  ' if result.success else 'FAIL'} remediate_over_cap_visits (dry run)")
        ok &= result.success
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
