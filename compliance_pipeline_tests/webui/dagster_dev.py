"""Start and stop a real `dagster dev` for UI tests.

It must be started with SIGINT as its default (env --default-signal=INT) and stopped
with SIGINT, or its child processes never exit.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DagsterDev:
    def __init__(self, home: Path, env: dict[str, str], instance_yaml: Path):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "dagster-dev.log"
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(instance_yaml, home / "dagster.yaml")
        self.env = {**os.environ, **env, "DAGSTER_HOME": str(home)}
        self.proc: subprocess.Popen | None = None

    def start(self) -> DagsterDev:
        """Launch and wait until the code location is loaded."""
        return self.launch().wait_ready()

    def launch(self) -> DagsterDev:
        """Start the process and return at once (the caller may prepare data while it boots)."""
        dagster = str(Path(sys.executable).parent / "dagster")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["env", "--default-signal=INT", dagster, "dev", "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=PROJECT_ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_ready(self) -> DagsterDev:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if self.graphql("{ version }").get("data", {}).get("version"):
                    if self._location_loaded():
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"dagster dev not ready in {START_TIMEOUT_S}s:\n{self.log_path.read_text()[-3000:]}")

    def _location_loaded(self) -> bool:
        data = self.graphql(
            "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }")
        entries = data["data"]["workspaceOrError"].get("locationEntries") or []
        return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stop(self, timeout_s: float = 60) -> int:
        """SIGINT, wait; returns the exit code. Kills the group only if SIGINT did not work."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise
        finally:
            self._log.close()
