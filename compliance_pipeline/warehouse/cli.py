"""`compliance-pipeline init`: create or upgrade the warehouse schema."""

from compliance_pipeline.warehouse.connection import Warehouse
from compliance_pipeline.warehouse.schema import init_schema


def register(sub) -> None:
    p = sub.add_parser("init", help="create or upgrade the warehouse schema (idempotent)")
    p.set_defaults(func=_init)


def _init(args) -> dict:
    warehouse = Warehouse.from_env()
    result = init_schema(warehouse)
    return {"warehouse": warehouse.url.masked, **result}
