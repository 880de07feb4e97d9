"""Real OS processes that run `compliance-pipeline` commands at the same moment, round after round.

Each worker imports the console script, says it is ready, then per round waits for that round's
barrier file, runs its command for the round (in-process, like the console script) and writes its
exit code. Workers stay alive across rounds, so a round's start is not spread by import time.

    exit_codes = run_rounds(tmp_path, [[["access-stim", "--as-of", "2025-03-10"], None], ...],
                            env=..., before_round=reset)   # None: that worker sits the round out
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

WORKER = """
import json, os, sys, time
from pathlib import Path
from compliance_pipeline import cli
cli.build_parser()  # import every domain's CLI before saying ready
folder, name = Path(sys.argv[1]), sys.argv[2]
rounds = json.loads((folder / f"{name}.json").read_text())
(folder / f"ready-{name}").touch()
for number, argv in enumerate(rounds):
    while not (folder / f"go-{number}").exists():
        time.sleep(0.002)
    code = cli.main(argv) if argv is not None else 0
    (folder / f".done-{number}-{name}").write_text(str(code))
    (folder / f".done-{number}-{name}").rename(folder / f"done-{number}-{name}")
"""


def _wait_for(paths: list[Path], timeout_s: float, procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(p.exists() for p in paths):
        dead = [p for p in procs if p.poll() not in (None, 0)]
        if dead:
            raise AssertionError(f"a worker exited early with {dead[0].returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {[p.name for p in paths if not p.exists()]}")
        time.sleep(0.01)


def run_rounds(folder: Path, rounds: list[list[list[str] | None]], *, env: dict[str, str],
               before_round: Callable[[int], None] = lambda number: None,
               timeout_s: float = 120) -> list[list[int]]:
    """rounds[r][w]: worker w's argv in round r. Returns each round's exit codes by worker."""
    workers = len(rounds[0])
    folder.mkdir(parents=True, exist_ok=True)
    procs = []
    for w in range(workers):
        (folder / f"w{w}.json").write_text(json.dumps([r[w] for r in rounds]))
        procs.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, str(folder), f"w{w}"], env={**os.environ, **env},
            stdout=open(folder / f"w{w}.stdout", "w"), stderr=open(folder / f"w{w}.stderr", "w")))
    try:
        _wait_for([folder / f"ready-w{w}" for w in range(workers)], timeout_s, procs)
        codes = []
        for number in range(len(rounds)):
            before_round(number)
            (folder / f"go-{number}").touch()
            done = [folder / f"done-{number}-w{w}" for w in range(workers)]
            _wait_for(done, timeout_s, procs)
            codes.append([int(p.read_text()) for p in done])
        for proc in procs:
            proc.wait(timeout=timeout_s)
        return codes
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def outputs_of(folder: Path, worker: int) -> list:
    """The JSON documents worker printed, one per command it ran, in order."""
    text, decoder, found, at = (folder / f"w{worker}.stdout").read_text(), json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        document, at = decoder.raw_decode(text, at)
        found.append(document)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def stderr_of(folder: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(folder.glob("w*.stderr")))
