"""In a run, a step that loses its warehouse connection is retried; a step with bad input is not."""

import dagster as dg
import pytest

from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.resource import WarehouseResource
from compliance_pipeline.warehouse.retries import is_transient

ATTEMPTS: list[int] = []


@dg.op
def read_once_connection_dies(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> int:
    ATTEMPTS.append(context.retry_number)
    with warehouse.get().connect() as conn:
        if context.retry_number == 0:  # the server drops this connection (a restart, a failover)
            pid = conn.scalar("SELECT pg_backend_pid()")
            with Warehouse(warehouse.url).connect() as admin:
                admin.scalar("SELECT pg_terminate_backend(?)", (pid,))
        return conn.scalar("SELECT 1")


@dg.op
def bad_input(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> None:
    ATTEMPTS.append(context.retry_number)
    with warehouse.get().transaction():
        raise InputError("threshold must be a positive number, got -1")


@dg.job(executor_def=dg.in_process_executor)
def lose_connection():
    read_once_connection_dies()


@dg.job(executor_def=dg.in_process_executor)
def reject_input():
    bad_input()


def test_a_lost_connection_retries_the_step(pg_url):
    ATTEMPTS.clear()
    result = lose_connection.execute_in_process(resources={"warehouse": WarehouseResource(url=pg_url)})
    assert result.success and ATTEMPTS == [0, 1]
    assert result.output_for_node("read_once_connection_dies") == 1


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_bad_input_fails_at_once(backend, tmp_path, request):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if backend == "duckdb" else request.getfixturevalue("pg_url")
    Warehouse(url).connect(create=True).__enter__().close()
    ATTEMPTS.clear()
    result = reject_input.execute_in_process(resources={"warehouse": WarehouseResource(url=url)},
                                             raise_on_error=False)
    assert not result.success and ATTEMPTS == [0]


def test_transient_is_found_through_the_causes():
    from compliance_pipeline.warehouse.errors import WarehouseUnavailableError

    try:
        try:
            raise WarehouseUnavailableError("lost the connection")
        except WarehouseUnavailableError as exc:
            raise RuntimeError("over_cap apply failed at step 'lock'") from exc
    except RuntimeError as wrapped:
        assert is_transient(wrapped)
    assert not is_transient(InputError("bad"))
