"""What the Dagster catalog says about a table, from ONE declaration per table.

Each domain declares its tables in its own `tables.py` (`Table(...)` with described columns)
and its `Domain` (owners, tags). From those this module builds what the UI shows: the
`dagster/column_schema` and `dagster/table_name` of every asset and source spec, owners, tags,
the `kinds` of the warehouse backend in use, and the `dagster/row_count` of a materialization.
Adding an asset over a new table = one `Table` in the domain's tables.py + `**domain.asset(table)`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from compliance_pipeline.errors import InputError
from compliance_pipeline.ui import rows_table
from compliance_pipeline.warehouse.url import ENV_VAR as WAREHOUSE_ENV_VAR
from compliance_pipeline.warehouse.url import parse_url, url_from_env

# Git links on every asset's code reference, when the repository has a browsable remote.
GIT_URL_ENV = "COMPLIANCE_GIT_URL"
GIT_BRANCH_ENV = "COMPLIANCE_GIT_BRANCH"
GIT_PLATFORM_ENV = "COMPLIANCE_GIT_PLATFORM"
GIT_PLATFORMS = ("github", "gitlab")  # what Dagster can build links for

# Deliberate use of beta APIs (code references, backfill policies): no warning per load.
warnings.filterwarnings("ignore", category=dg.BetaWarning)

WAREHOUSE = "warehouse"  # a table in the warehouse (DuckDB or PostgreSQL)
PARQUET = "parquet"  # files of the budget audit log


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    """One table (or file set) as users see it: its columns, what it holds, where it lives."""

    name: str
    description: str
    columns: tuple[Column, ...]
    storage: str = WAREHOUSE

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def column_schema(self) -> dg.TableSchema:
        return dg.TableSchema(columns=[dg.TableColumn(c.name, c.type, description=c.description)
                                       for c in self.columns])

    def rows_value(self, rows: Sequence[Mapping[str, Any]]) -> dg.TableMetadataValue:
        """Rows of this table as a metadata table with the declared column docs."""
        return rows_table(rows, self.columns)

    def pick(self, *names: str) -> list[Column]:
        """Some of this table's columns, described as declared (for a metadata table)."""
        by_name = {c.name: c for c in self.columns}
        return [by_name[name] for name in names]


def table(name: str, description: str, *columns: tuple[str, str, str], storage: str = WAREHOUSE) -> Table:
    """table("t", "what it holds", ("col", "BIGINT", "what it means"), ...)"""
    return Table(name, description, tuple(Column(*c) for c in columns), storage)


def backend_kind() -> str:
    """The warehouse backend the code location was loaded with: 'duckdb' or 'postgres'.
    An unparseable URL says so in the catalog rather than failing the whole location."""
    try:
        backend = parse_url(url_from_env()).backend
    except ValueError:
        return "warehouse"
    return "postgres" if backend == "postgresql" else backend


def _kinds(table: Table, extra: Sequence[str]) -> set[str]:
    base = {"parquet"} if table.storage == PARQUET else {backend_kind(), "sql"}
    return base | set(extra)


@dataclass(frozen=True)
class Domain:
    """A domain's catalog defaults: its asset group, owners and tags (domain; what it serves)."""

    group: str
    owners: tuple[str, ...]
    tags: Mapping[str, str] = field(default_factory=dict)

    def asset(self, table: Table, *, kinds: Sequence[str] = ()) -> dict[str, Any]:
        """Keyword arguments for @dg.asset over `table` (group, owners, tags, kinds, metadata)."""
        return {"group_name": self.group, "owners": list(self.owners), "tags": dict(self.tags),
                "kinds": _kinds(table, kinds), "metadata": definition_metadata(table)}

    def source(self, key: str, table: Table) -> dg.AssetSpec:
        """A source table (filled by users or upstream systems) as an external asset."""
        return dg.AssetSpec(key=key, description=table.description, **self.asset(table))


def definition_metadata(table: Table) -> dict[str, Any]:
    return {"dagster/column_schema": table.column_schema, "dagster/table_name": table.name}


def materialization_metadata(table: Table, row_count: int) -> dict[str, dg.MetadataValue]:
    return {"dagster/table_name": dg.MetadataValue.text(table.name),
            "dagster/row_count": dg.MetadataValue.int(int(row_count))}


def materialized(warehouse, table: Table, where: Mapping[str, Any] | None = None) -> dict[str, dg.MetadataValue]:
    """dagster/table_name and dagster/row_count (count(*) of the table, or of its rows matching
    `where`: the partition or slice the asset writes) for a materialization."""
    with warehouse.connect() as conn:
        return materialization_metadata(table, count_rows(conn, table, where))


def count_rows(conn, table: Table, where: Mapping[str, Any] | None = None) -> int:
    """count(*) of the table, or of its rows whose columns equal `where`'s values (a (first,
    last) pair: between them, inclusive). Values are bound; table and column names come from
    the declarations, never from input."""
    where = dict(where or {})
    unknown = set(where) - set(table.column_names)
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
    clauses, params = [], []
    for column, value in where.items():
        if isinstance(value, tuple):
            clauses.append(f"{column} BETWEEN ? AND ?")
            params.extend(value)
        else:
            clauses.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT count(*) FROM {table.name}" + (" WHERE " + " AND ".join(clauses) if clauses else "")
    return int(conn.scalar(sql, tuple(params)))


def with_code_references(assets: Sequence[Any]) -> list[Any]:
    """Each asset links to the function that computes it; to the git remote as well when
    COMPLIANCE_GIT_URL (and optionally COMPLIANCE_GIT_BRANCH, default main) is set."""
    linked = dg.with_source_code_references(list(assets))
    git_url = os.environ.get(GIT_URL_ENV)
    if not git_url:
        return list(linked)
    from pathlib import Path

    return list(dg.link_code_references_to_git(
        linked, git_url=git_url, git_branch=os.environ.get(GIT_BRANCH_ENV) or "main",
        platform=_git_platform(git_url),
        file_path_mapping=dg.AnchorBasedFilePathMapping(
            local_file_anchor=Path(__file__).resolve().parents[1], file_anchor_path_in_repository="")))



def _git_platform(git_url: str) -> str | None:
    """COMPLIANCE_GIT_PLATFORM, or None where Dagster recognises the forge from the URL; a URL it
    cannot place (a self-hosted forge) without the variable is an error, not links that 404."""
    platform = os.environ.get(GIT_PLATFORM_ENV, "").strip().lower()
    if platform:
        if platform not in GIT_PLATFORMS:
            raise InputError(f"{GIT_PLATFORM_ENV} must be one of {', '.join(GIT_PLATFORMS)}, got {platform!r}")
        return platform
    if any(name in git_url for name in GIT_PLATFORMS):
        return None
    raise InputError(f"{GIT_URL_ENV}={git_url} names neither GitHub nor GitLab: set {GIT_PLATFORM_ENV}"
                     f" ({' or '.join(GIT_PLATFORMS)}) to say how its file links are built")


__all__ = ["Column", "Domain", "Table", "WAREHOUSE_ENV_VAR", "backend_kind", "count_rows",
           "materialization_metadata", "materialized", "rows_table", "table", "with_code_references"]
