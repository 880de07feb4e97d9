"""Real processes: SIGKILL anywhere in a batch spanning days; appenders and compactors at once."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline_tests.budget_audit.helpers import T0, slot

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DAYS = [T0.date() + timedelta(days=d) for d in range(3)]
ROWS_PER_BATCH = 8

_PRELUDE = """
import os, random, signal, sys, time
from datetime import timedelta
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline_tests.budget_audit.helpers import T0, slot
log = BudgetAuditLog(sys.argv[1])
def batch(number, source="w", size=8, hours=9):
    # size rows, `hours` apart: with the defaults 3 UTC days; (source, slot_index) is unique
    return [{**slot(k, at=T0 + timedelta(hours=hours * k)), "slot_index": number * 1000 + k, "source": source}
            for k in range(size)]
"""


def _child(body: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", _PRELUDE + textwrap.dedent(body), *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _batch_rows(number: int) -> list[dict]:
    return [{**slot(k, at=T0 + timedelta(hours=9 * k)), "slot_index": number * 1000 + k, "source": "w"}
            for k in range(ROWS_PER_BATCH)]


def _visible_batches(log: BudgetAuditLog) -> dict[int, int]:
    """batch number -> rows a reader sees of it."""
    frame = log.load()
    return {} if frame.empty else (frame["slot_index"] // 1000).value_counts().to_dict()


# One process imports what an append needs, then forks a real process per run (an interpreter
# start per kill would cost seconds of CPU). A "step-N" run kills itself at its batch's N-th
# durable step: the renames of its three day files, the commit link, or (N=5) just after the
# link. A "loop" run appends batches until the parent kills it after a random delay, writing
# each batch number to `<root>.returned` once log_slots returned.
_FORKER = """
import json
import pyarrow as pa
pa.array([0])  # pyarrow's first array imports pandas: do it once, before forking
rng = random.Random(sys.argv[2])

def step_killer(kill_at):
    steps = [0]
    def wrap(real, after):
        def wrapped(src, dst):
            steps[0] += 1
            if steps[0] == kill_at and not after:
                os.kill(os.getpid(), signal.SIGKILL)
            real(src, dst)
            if after and steps[0] == kill_at - 1:
                os.kill(os.getpid(), signal.SIGKILL)
        return wrapped
    os.rename = wrap(os.rename, False)
    os.link = wrap(os.link, kill_at == 5)

def child(root, mode, with_ids):
    log = BudgetAuditLog(root)
    if mode.startswith("step"):
        step_killer(int(mode[4:]))
        log.log_slots(batch(0), batch_id="batch-0")
        return
    returned = os.open(root + ".returned", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    for number in range(100000):
        log.log_slots(batch(number), batch_id=f"batch-{number}" if with_ids else None)
        os.write(returned, f"{number}\\n".encode())

for run in json.loads(sys.argv[3]):
    pid = os.fork()
    if pid == 0:
        try:
            child(run["root"], run["mode"], run["ids"])
        finally:
            os._exit(3)  # only reached if the kill did not happen
    if run["mode"] == "loop":
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({**run, "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL}))
"""


def _fork_runs(tmp_path: Path, runs: list[dict]) -> list[dict]:
    import json

    forker = _child(_FORKER, str(tmp_path / "unused"), str(time.time_ns()), json.dumps(runs))
    out, err = forker.communicate(timeout=300)
    assert forker.returncode == 0, err
    done = [json.loads(line) for line in out.splitlines()]
    assert len(done) == len(runs) and all(run["killed"] for run in done), err
    return done


def _returned(root: Path) -> set[int]:
    path = Path(f"{root}.returned")
    return {int(n) for n in path.read_text().split()} if path.exists() else set()


def _assert_all_or_nothing(root: Path, returned: set[int], *, retry: int | None, with_ids: bool,
                           compact: bool = True) -> None:
    log = BudgetAuditLog(root)
    seen = _visible_batches(log)
    assert all(count == ROWS_PER_BATCH for count in seen.values()), seen  # no half batch, no double
    assert returned <= set(seen)  # every batch whose call returned is there
    assert len(set(seen) - returned) <= 1  # plus at most the one in flight (committed, not yet noted)
    assert sum(log.daily_summary(d).get("slots", 0) for d in DAYS) == ROWS_PER_BATCH * len(seen)
    if retry is not None:  # a caller retries the batch that did not return
        appended = log.log_slots(_batch_rows(retry), batch_id=f"batch-{retry}" if with_ids else None)
        if with_ids:
            assert appended == (0 if retry in seen else ROWS_PER_BATCH)
        elif retry in seen:
            return  # without an id a committed batch is appended again: that is what ids are for
        assert _visible_batches(log)[retry] == ROWS_PER_BATCH
    if not compact:
        return
    for day in DAYS:  # compaction keeps every committed row once and leaves a dead batch alone
        log.compact_day(day)
    assert _visible_batches(log) == {**seen, **({retry: ROWS_PER_BATCH} if retry is not None else {})}


def test_sigkill_at_each_step_then_a_retry_by_id_gives_the_batch_once(tmp_path):
    runs = [{"root": str(tmp_path / f"step{n}"), "mode": f"step{n}", "ids": True} for n in range(1, 6)]
    for run in _fork_runs(tmp_path, runs):
        root = Path(run["root"])
        seen = _visible_batches(BudgetAuditLog(root))
        assert seen == ({0: ROWS_PER_BATCH} if run["mode"] == "step5" else {})  # committed iff linked
        _assert_all_or_nothing(root, set(), retry=0, with_ids=True)


def test_sigkill_at_random_moments_of_batches_spanning_three_days(tmp_path):
    runs = [{"root": str(tmp_path / f"run{n}"), "mode": "loop", "ids": n % 2 == 1, "n": n} for n in range(20)]
    mid_batch = 0
    for run in _fork_runs(tmp_path, runs):
        root = Path(run["root"])
        returned = _returned(root)
        # Day files of more batches on disk than a reader sees: killed between a batch's first file
        # and its commit.
        on_disk = {p.name.split("-")[3] for p in root.glob("day=*/*-b-*.parquet")}
        mid_batch += len(on_disk) > len(_visible_batches(BudgetAuditLog(root)))
        _assert_all_or_nothing(root, returned, retry=max(returned, default=-1) + 1, with_ids=run["ids"],
                               compact=run["n"] % 4 < 2)
    assert mid_batch >= 1  # the kills did land inside batches


# One process imports, then forks two appenders (single rows, one-day batches, batches over three
# days with and without ids) and two compactors looping over the three days until the appenders
# are done. Each child's exit status and count is printed as JSON.
_STRESS = """
import json, pathlib, traceback
import pyarrow as pa
pa.array([0])  # pyarrow's first array imports pandas: do it once, before forking
batches = int(sys.argv[2])
stop = pathlib.Path(sys.argv[1] + ".stop")

def append(name):
    rng = random.Random(name)
    for number in range(batches):
        kind = rng.choice(["row", "day", "days", "days-id"])
        if kind == "row":
            log.log_slot(batch(number, name, size=1)[0])
        elif kind == "day":
            log.log_slots(batch(number, name, size=rng.randint(2, 6), hours=1))
        else:
            log.log_slots(batch(number, name, size=rng.randint(3, 9), hours=8),
                          batch_id=f"{name}-{number}" if kind == "days-id" else None)
    return batches

def compact(name):
    compactions, days = 0, [T0.date() + timedelta(days=d) for d in range(3)]
    while not stop.exists():
        for day in days:
            compactions += log.compact_day(day).files_before > 1
        time.sleep(0.005)
    return compactions

def start(work, name):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            os.write(write, str(work(name)).encode())
            os._exit(0)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
    os.close(write)
    return name, pid, read

appenders = [start(append, name) for name in ("a", "b")]
compactors = [start(compact, name) for name in ("c1", "c2")]
results = {}
for group in (appenders, compactors):
    for name, pid, read in group:
        _, status = os.waitpid(pid, 0)
        results[name] = {"exit": os.waitstatus_to_exitcode(status), "count": os.read(read, 100).decode()}
    stop.touch()
print(json.dumps(results), flush=True)
"""


def _stress_sizes(name: str, batches: int) -> dict[tuple[str, int], int]:
    """(appender, batch number) -> rows, replaying the appender's random choices."""
    rng, sizes = random.Random(name), {}
    for number in range(batches):
        kind = rng.choice(["row", "day", "days", "days-id"])
        sizes[name, number] = 1 if kind == "row" else rng.randint(2, 6) if kind == "day" else rng.randint(3, 9)
    return sizes


def _batches_seen(frame) -> dict[tuple[str, int], int]:
    return {} if frame.empty else frame.groupby([frame["source"], frame["slot_index"] // 1000]).size().to_dict()


def test_appenders_and_compactors_at_once_lose_and_double_nothing(tmp_path):
    import json

    log_dir, batches = tmp_path / "log", 100
    sizes = {**_stress_sizes("a", batches), **_stress_sizes("b", batches)}
    stress = _child(_STRESS, str(log_dir), str(batches))
    log = BudgetAuditLog(log_dir)
    seen, reads = 0, 0
    while stress.poll() is None:
        frame = log.load()
        assert not frame.duplicated(["source", "slot_index"]).any()
        assert len(frame) >= seen  # a row once seen never disappears
        for batch, rows in _batches_seen(frame).items():  # a reader beside the writers: whole batches
            assert rows == sizes[batch], batch
        seen, reads = len(frame), reads + 1
        time.sleep(0.05)
    out, err = stress.communicate(timeout=120)
    assert stress.returncode == 0, err
    results = json.loads(out)
    assert all(r["exit"] == 0 for r in results.values()), err  # no FileNotFoundError, no error of any kind
    assert reads >= 3 and int(results["c1"]["count"]) + int(results["c2"]["count"]) >= 3
    frame = log.load()
    assert not frame.duplicated(["source", "slot_index"]).any()
    assert _batches_seen(frame) == sizes
    for day in DAYS:
        assert log.compact_day(day).files_after <= 1
    assert log.load().sort_values(["source", "slot_index"]).reset_index(drop=True).equals(
        frame.sort_values(["source", "slot_index"]).reset_index(drop=True))


_TEMP_CHURN = """
import pathlib
folder, stop = pathlib.Path(sys.argv[1]) / f"day={T0.date()}", pathlib.Path(sys.argv[2])
print("ready", flush=True)
count = 0
while not stop.exists():  # what an appender does to its temp file, without the fsync
    tmp, done = folder / f".{count}.parquet.tmp", folder / f".{count}.done"
    tmp.write_bytes(b"x")
    os.rename(tmp, done)
    done.unlink()
    count += 1
print(count, flush=True)
"""


def test_compaction_beside_temp_files_being_renamed_never_trips_over_them(tmp_path):
    log, stop = BudgetAuditLog(tmp_path / "log"), tmp_path / "stop"
    log.log_slot(slot(0))
    log.compact_day(T0.date())  # imports done before the race starts
    churn = _child(_TEMP_CHURN, str(log.path), str(stop))
    try:
        assert churn.stdout.readline().strip() == "ready"
        for _ in range(300):
            log.compact_day(T0.date())  # lists the folder's temp files, some renamed under it
    finally:
        stop.touch()
    out, err = churn.communicate(timeout=30)
    assert churn.returncode == 0, err
    assert int(out) >= 300 and len(log.load()) == 1
