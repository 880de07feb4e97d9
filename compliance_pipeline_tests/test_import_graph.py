"""The package's modules import each other without cycles (deferred imports in functions count too)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

import compliance_pipeline

PACKAGE_DIR = Path(compliance_pipeline.__file__).parent


def module_paths() -> dict[str, Path]:
    found = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (`from pkg import name` counts as pkg itself
    unless name is a submodule)."""

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(known(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.update(known(f"{node.module}.{alias.name}") for alias in node.names)
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def test_cycle_finder_sees_a_cycle():
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter({"a": {"b"}, "b": {"c"}, "c": {"a"}}).prepare()


def test_no_import_cycles():
    graph = import_graph(module_paths())
    assert len(graph) > 50 and graph["compliance_pipeline.warehouse.connection"]
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_domains_use_only_the_warehouse_public_names():
    """Outside warehouse/, nothing imports a private (_-prefixed) warehouse name."""
    offenders = []
    for module, path in module_paths().items():
        if module.startswith("compliance_pipeline.warehouse"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("compliance_pipeline.warehouse"):
                offenders += [f"{module}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_only_the_warehouse_touches_the_driver_or_branches_on_the_backend():
    """Backend differences live in warehouse/: no other module reaches the driver connection
    (`.raw`) or asks which backend it is on (`.is_postgres`)."""
    offenders = []
    for module, path in module_paths().items():
        if module.startswith("compliance_pipeline.warehouse"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and (
                    node.attr == "is_postgres" or (node.attr == "raw" and isinstance(node.value, ast.Name)
                                                   and node.value.id == "conn")):
                offenders.append(f"{module}:{node.lineno} .{node.attr}")
    assert offenders == []
