"""The production topology on one machine: code server, daemon and web server as separate
processes, Dagster's storage and the warehouse in PostgreSQL, everything driven through GraphQL
as the UI drives it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from benchmarks.support import pg_server
from compliance_pipeline.demo_data import load_all
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline_tests.deploy.topology import LOCATION, REPOSITORY, Topology, instance_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

REPO_SELECTOR = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
# A bound for a stuck run, not a speed target: on a 2-core machine shared with other work
# a run's process alone can take a minute to start.
RUN_TIMEOUT_S = 480
DONE = {"SUCCESS", "FAILURE", "CANCELED"}

START_SCHEDULE = """mutation Start($s: ScheduleSelector!) { startSchedule(scheduleSelector: $s) {
  __typename ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } } }"""
START_SENSOR = """mutation Start($s: SensorSelector!) { startSensor(sensorSelector: $s) {
  __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""
LAUNCH_RUN = """mutation Launch($p: ExecutionParams!) { launchRun(executionParams: $p) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
LAUNCH_BACKFILL = """mutation Backfill($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
RUNS = """query Runs($f: RunsFilter) { runsOrError(filter: $f) { ... on Runs { results {
  runId jobName status startTime endTime tags { key value } } } } }"""
DAEMONS = """{ instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }"""


def _launch(topology: Topology, job: str, run_config: dict | None = None) -> str:
    params = {"selector": {**REPO_SELECTOR, "jobName": job}, "runConfigData": run_config or {}}
    result = topology.graphql(LAUNCH_RUN, {"p": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def _runs(topology: Topology, **filters) -> list[dict]:
    return topology.graphql(RUNS, {"f": filters})["runsOrError"]["results"]


def _wait_done(topology: Topology, run_ids: set[str]) -> dict[str, dict]:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        runs = {run["runId"]: run for run in _runs(topology, runIds=sorted(run_ids))}
        if len(runs) == len(run_ids) and all(run["status"] in DONE for run in runs.values()):
            return runs
        time.sleep(1)
    raise AssertionError(f"runs not done in {RUN_TIMEOUT_S}s: {runs}\n{topology.logs()}")


def _wait_for_runs(topology: Topology, count: int, **filters) -> list[dict]:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        runs = _runs(topology, **filters)
        if len(runs) >= count:
            return runs
        time.sleep(1)
    raise AssertionError(f"fewer than {count} runs for {filters}: {runs}\n{topology.logs()}")


def _most_at_once(runs) -> int:
    """The largest number of runs in progress at one instant."""
    edges = sorted([(run["startTime"], 1) for run in runs] + [(run["endTime"], -1) for run in runs],
                   key=lambda edge: (edge[0], edge[1]))
    current = most = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


def _tags(run: dict) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


@pytest.fixture
def topology(pg_admin_url, tmp_path):
    """Two PostgreSQL databases (Dagster's storage, the warehouse with the demo data) and the
    three processes; stopped (and the databases dropped) whatever the test's outcome."""
    dagster_db, dagster_url = pg_server.create_database(pg_admin_url)
    warehouse_db, warehouse_url = pg_server.create_database(pg_admin_url)
    env = {**instance_env(dagster_url), "COMPLIANCE_WAREHOUSE_URL": warehouse_url,
           "BUDGET_AUDIT_DIR": str(tmp_path / "budget_audit"), "DAGSTER_TELEMETRY_DISABLED": "1",
           # Starting a run is a gRPC call that waits for the run's process; on a loaded
           # 2-core machine that can take longer than Dagster's 60 s default.
           "DAGSTER_GRPC_TIMEOUT_SECONDS": "240"}
    env.pop("COMPLIANCE_AUTOMATION", None)
    topo = Topology(tmp_path / "dagster_home", env)
    topo.warehouse = Warehouse(warehouse_url)
    try:
        topo.start(daemon=False)  # the test starts it once work is waiting (see there)
        load_all(topo.warehouse, seed=1, scale=1)  # while the processes boot
        topo.wait_loaded(timeout_s=180)
        topo.started_s = time.monotonic() - topo.began
        yield topo
    finally:
        for service in topo.services:  # also where the leader left but its children did not
            service.kill_group()
        pg_server.drop_database(pg_admin_url, dagster_db)
        pg_server.drop_database(pg_admin_url, warehouse_db)


def test_production_topology_runs_everything_and_survives_a_code_server_restart(topology):
    started = time.monotonic()
    # Schedules and sensors are STOPPED without COMPLIANCE_AUTOMATION: started as a user would.
    schedule = topology.graphql(START_SCHEDULE, {"s": {
        **REPO_SELECTOR, "scheduleName": "daily_access_stimulation_schedule"}})["startSchedule"]
    assert schedule["scheduleState"]["status"] == "RUNNING", schedule

    # New snapshots arrive, then the sensor is switched on: the daemon's first tick sees them.
    with topology.warehouse.transaction() as conn:
        newest = conn.scalar("SELECT max(observed_at) FROM monitor_snapshots")
        arrived = [newest + timedelta(minutes=m) for m in (1, 2)]
        conn.insert_rows("monitor_snapshots", ["unit_id", "observed_at", "leq", "lmax", "lmin"],
                         [("SLM-001", at, 71.0, 80.0, 60.0) for at in arrived])
    sensor = topology.graphql(START_SENSOR, {"s": {
        **REPO_SELECTOR, "sensorName": "monitor_snapshot_sensor"}})["startSensor"]
    assert sensor["sensorState"]["status"] == "RUNNING", sensor

    # A wet remediation with run config, a backfill of three days and two more runs, all at once.
    remediation = _launch(topology, "remediate_over_cap_visits",
                          {"dry_run": False, "batch_size": 50, "include_suspended": False})
    # A week apart: each day's flags depend on the day before, so adjacent days would run one by one.
    days = ["2026-01-05", "2026-01-12", "2026-01-19"]
    backfill = topology.graphql(LAUNCH_BACKFILL, {"p": {
        "selector": {"partitionSetName": "daily_access_stimulation_job_partition_set",
                     "repositorySelector": REPO_SELECTOR},
        "partitionNames": days}})["launchPartitionBackfill"]
    assert backfill["__typename"] == "LaunchBackfillSuccess", backfill
    pair = {_launch(topology, "alert_delivery_job"), _launch(topology, "erpnext_todo_delivery_job")}

    # Everything above was submitted while the daemon was down: it is queued, not lost, and the
    # daemon's first pass takes it (its backfill loop would otherwise wait up to 30 s for its next).
    topology.daemon.start()
    daemons = topology.graphql(DAEMONS)["instance"]["daemonHealth"]["allDaemonStatuses"]
    required = {d["daemonType"] for d in daemons if d["required"]}
    assert {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR", "BACKFILL"} <= required
    backfill_runs = _wait_for_runs(topology, 3, tags=[{"key": "dagster/backfill",
                                                      "value": backfill["backfillId"]}])
    sensor_runs = _wait_for_runs(topology, 1, tags=[{"key": "dagster/sensor_name",
                                                    "value": "monitor_snapshot_sensor"}])
    assert _tags(sensor_runs[0])["alerts/newest_observed_at"] == arrived[-1].isoformat()

    runs = _wait_done(topology, {remediation, *pair, *(r["runId"] for r in backfill_runs + sensor_runs)})
    assert {run["status"] for run in runs.values()} == {"SUCCESS"}, (runs, topology.logs())
    assert sorted(_tags(r)["dagster/partition"] for r in backfill_runs) == days
    # Runs were in progress at the same time: PostgreSQL takes concurrent runs.
    assert _most_at_once(runs.values()) >= 2, runs
    with topology.warehouse.connect() as conn:
        # The wet remediation recorded itself under its Dagster run id.
        assert conn.scalar("SELECT count(*) FROM over_cap_run WHERE run_id = ?", (remediation,)) == 1
    ran_at = time.monotonic()

    # The code server dies: the web server reports the location's error; once a new code server
    # listens on the same address, a reload serves it again and the next run succeeds.
    topology.code_server.kill_group()
    entry = topology.reload_location()
    assert entry["locationOrLoadError"]["__typename"] == "PythonError", entry
    assert entry["locationOrLoadError"]["message"]
    topology.code_server.start()
    topology.wait_loaded(timeout_s=90)
    after_restart = _launch(topology, "alert_delivery_job")
    assert _wait_done(topology, {after_restart})[after_restart]["status"] == "SUCCESS", topology.logs()
    restarted_at = time.monotonic()

    exit_codes = topology.stop()
    assert exit_codes == dict.fromkeys(exit_codes, 0), (exit_codes, topology.logs())
    time.sleep(1)  # a child that outlives its parent by a moment is not a leak
    assert not [service.name for service in topology.services if service.group_left()]
    print(f"topology: up in {topology.started_s:.1f}s, runs {ran_at - started:.1f}s, "
          f"code server restart + next run {restarted_at - ran_at:.1f}s, stop {time.monotonic() - restarted_at:.1f}s")
