"""The production topology as real processes on this machine: a code server (gRPC), the daemon
and the web server, each its own OS process, on a PostgreSQL instance (deploy/dagster-postgres.yaml)
and a PostgreSQL warehouse. The same commands the container image and the compose file run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from compliance_pipeline_tests.webui.dagster_dev import PROJECT_ROOT, free_port

BIN = Path(sys.executable).parent
LOCATION = "compliance_pipeline"
REPOSITORY = "__repository__"
# The image's default command (deploy/Dockerfile) less its host and port.
CODE_SERVER_COMMAND = ["dagster", "code-server", "start", "-m", "compliance_pipeline.definitions"]


def instance_env(dagster_db_url: str) -> dict[str, str]:
    """The DAGSTER_PG_* variables deploy/dagster-postgres.yaml reads."""
    parts = urlsplit(dagster_db_url)
    return {"DAGSTER_PG_HOST": parts.hostname, "DAGSTER_PG_PORT": str(parts.port),
            "DAGSTER_PG_USER": parts.username, "DAGSTER_PG_PASSWORD": parts.password or "",
            "DAGSTER_PG_DB": parts.path.lstrip("/")}


class Service:
    """One long-running OS process in its own session, logging to a file, stopped by its PID."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Service:
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.argv, cwd=PROJECT_ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def log_tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ---\n{self.log_path.read_text()[-chars:]}"

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig: int) -> None:
        if self.running():
            os.kill(self.proc.pid, sig)

    def wait(self, timeout_s: float = 30) -> int:
        """The exit code; SIGKILLs the process group only when it did not exit in time."""
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill_group()
            raise

    def group_left(self, timeout_s: float = 15) -> bool:
        """Is any process of this service's group (its children) still alive after timeout_s?
        A child shutting down on its parent's signal may outlive the parent by a moment (the
        code server's gRPC worker does), so wait for the group to drain before saying so."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(0.2)

    def kill_group(self) -> None:
        """A crash: SIGKILL the process and every child it started (its session's group)."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()


class Topology:
    """Code server + daemon + web server on a DAGSTER_HOME holding deploy/dagster-postgres.yaml."""

    def __init__(self, home: Path, env: dict[str, str]):
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
        self.code_port, self.web_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.workspace = home / "workspace.yaml"
        self.workspace.write_text(yaml.safe_dump(self.workspace_config()))
        self.env = {**os.environ, **env, "DAGSTER_HOME": str(home)}
        dagster = str(BIN / "dagster")
        self.code_server = Service(
            "code-server", [dagster, *CODE_SERVER_COMMAND[1:], "-h", "127.0.0.1", "-p", str(self.code_port)],
            self.env, home)
        self.daemon = Service("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)],
                              self.env, home)
        self.webserver = Service(
            "webserver", [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(self.web_port),
                          "-w", str(self.workspace)], self.env, home)
        self.services = [self.code_server, self.daemon, self.webserver]

    def workspace_config(self) -> dict:
        """deploy/workspace.yaml (the compose/Helm entry) pointed at this machine's code server."""
        config = yaml.safe_load((PROJECT_ROOT / "deploy" / "workspace.yaml").read_text())
        (entry,) = config["load_from"]
        entry["grpc_server"].update(host="127.0.0.1", port=self.code_port)
        return config

    def start(self, *, daemon: bool = True) -> Topology:
        """Start the processes (the daemon later, by hand, if not `daemon`); `wait_loaded` says
        when the web server serves the code."""
        self.began = time.monotonic()
        for service in self.services:
            if daemon or service is not self.daemon:
                service.start()
        return self

    def logs(self) -> str:
        return "\n".join(service.log_tail() for service in self.services)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise AssertionError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def location(self) -> dict | None:
        data = self.graphql(LOCATION_QUERY)
        entries = data["workspaceOrError"].get("locationEntries") or []
        return next((entry for entry in entries if entry["name"] == LOCATION), None)

    def reload_location(self) -> dict:
        return self.graphql(RELOAD_MUTATION, {"name": LOCATION})["reloadRepositoryLocation"]

    def wait_loaded(self, timeout_s: float) -> None:
        """Until the web server serves the code location (reloading it while the code server starts)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for service in self.services:
                if service.proc is not None and not service.running():
                    raise RuntimeError(f"{service.name} exited early\n{self.logs()}")
            try:
                entry = self.location()
                if entry and entry["locationOrLoadError"]["__typename"] == "RepositoryLocation":
                    return
                if entry and entry["locationOrLoadError"]["__typename"] == "PythonError":
                    self.reload_location()
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"code location not loaded in {timeout_s}s\n{self.logs()}")

    def stop(self) -> dict[str, int]:
        """SIGTERM to the web server and the daemon together (nothing new is launched), then to
        the code server; each one's exit code."""
        codes = {}
        for group in ([self.webserver, self.daemon], [self.code_server]):
            for service in group:
                service.send_signal(signal.SIGTERM)
            codes.update({service.name: service.wait() for service in group})
        return codes


LOCATION_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries {
  name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } }
} } } }"""
RELOAD_MUTATION = """mutation Reload($name: String!) { reloadRepositoryLocation(repositoryLocationName: $name) {
  __typename
  ... on WorkspaceLocationEntry { loadStatus locationOrLoadError { __typename ... on PythonError { message } } }
  ... on PythonError { message }
} }"""
