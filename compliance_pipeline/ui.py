"""What the Dagster UI shows for rows: metadata tables with a schema (sortable, typed columns)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import dagster as dg

# Declared column types (catalog.Column.type) as the UI's column types.
_DECLARED = {"BIGINT": "int", "INTEGER": "int", "DOUBLE": "float", "BOOLEAN": "bool",
             "DATE": "date", "TIMESTAMPTZ": "timestamp"}


def _python_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, date):
        return "date"
    return "string"


def _column(spec: Any, rows: Sequence[Mapping[str, Any]]) -> dg.TableColumn:
    """A column from a name (type from the first non-null value) or a declared column."""
    if isinstance(spec, str):
        value = next((row.get(spec) for row in rows if row.get(spec) is not None), None)
        return dg.TableColumn(spec, _python_type(value))
    return dg.TableColumn(spec.name, _DECLARED.get(spec.type, "string"),
                          description=spec.description or None)


def _cell(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def rows_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Any] | None = None,
               *, max_rows: int = 200) -> dg.TableMetadataValue:
    """Rows as a metadata table. columns: names, or declared columns (catalog.Column) whose
    descriptions become the column docs; default: the first row's keys. At most max_rows rows
    (the UI is for reading; the full set is in the warehouse)."""
    specs = list(columns) if columns is not None else list(rows[0].keys() if rows else [])
    schema = dg.TableSchema(columns=[_column(spec, rows) for spec in specs])
    names = [column.name for column in schema.columns]
    records = [dg.TableRecord({name: _cell(row.get(name)) for name in names}) for row in rows[:max_rows]]
    return dg.MetadataValue.table(records, schema=schema)
