"""Parse COMPLIANCE_WAREHOUSE_URL into a backend and its connection target."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from compliance_pipeline.redact import mask_secrets
from compliance_pipeline.warehouse.errors import WarehouseError

ENV_VAR = "COMPLIANCE_WAREHOUSE_URL"
DEFAULT_DUCKDB_PATH = Path("data") / "warehouse.duckdb"


@dataclass(frozen=True)
class WarehouseURL:
    backend: str  # "duckdb" | "postgresql"
    raw: str
    duckdb_path: Path | None = None  # set for duckdb
    dsn: str | None = None  # libpq URI for psycopg2, set for postgresql

    @property
    def masked(self) -> str:
        return mask_password(self.raw)


def mask_password(url: str) -> str:
    """The URL with its password (user info and ?password=, ?sslpassword=, ...) replaced by ***."""
    return mask_secrets(url)


def default_url() -> str:
    """The embedded default: a DuckDB file under ./data, as an absolute URL."""
    return f"duckdb:///{DEFAULT_DUCKDB_PATH.resolve()}"


def url_from_env() -> str:
    return os.environ.get(ENV_VAR) or default_url()


def parse_url(url: str) -> WarehouseURL:
    if not isinstance(url, str) or not url.strip():
        raise WarehouseError(f"{ENV_VAR} is empty: expected duckdb:///path or postgresql://...")
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "duckdb":
        rest = url[len("duckdb:"):]
        if not rest.startswith("//"):
            raise WarehouseError(f"bad warehouse URL {mask_password(url)!r}: expected duckdb:///path/to/file.duckdb")
        path = rest[2:]  # duckdb:///abs/file -> /abs/file; duckdb://rel/file -> rel/file
        if not path or path == "/":
            raise WarehouseError(f"bad warehouse URL {mask_password(url)!r}: no file path after duckdb://")
        if path == "/:memory:" or path == ":memory:":
            raise WarehouseError(
                f"bad warehouse URL {mask_password(url)!r}: an in-memory DuckDB is not shared between Dagster "
                "processes; use a file path"
            )
        return WarehouseURL("duckdb", url, duckdb_path=Path(path))
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise WarehouseError(f"bad warehouse URL {mask_password(url)!r}: {exc}") from None
        dsn = urlunsplit(parts._replace(scheme="postgresql"))
        if not parts.path.strip("/"):
            raise WarehouseError(f"bad warehouse URL {mask_password(url)!r}: no database name")
        return WarehouseURL("postgresql", url, dsn=dsn)
    raise WarehouseError(
        f"bad warehouse URL {mask_password(url)!r}: scheme must be duckdb:// or postgresql://"
    )
