"""`compliance-pipeline init`: create or upgrade the warehouse schema; `--status` only reports."""

from compliance_pipeline.warehouse.connection import Warehouse
from compliance_pipeline.warehouse.schema import init_schema, schema_status


def register(sub) -> None:
    p = sub.add_parser("init", help="create or upgrade the warehouse schema (idempotent)")
    p.add_argument("--status", action="store_true",
                   help="list applied and pending migrations without changing anything")
    p.set_defaults(func=_init)


def _init(args) -> dict:
    warehouse = Warehouse.from_env()
    result = schema_status(warehouse) if args.status else init_schema(warehouse)
    return {"warehouse": warehouse.url.masked, **result}
