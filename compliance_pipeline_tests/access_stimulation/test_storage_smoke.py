from datetime import date, datetime, timezone

from compliance_pipeline.access_stimulation import core, monitor, storage
from compliance_pipeline_tests.access_stimulation.helpers import add_profiles, add_studies, at


def test_smoke(warehouse):
    add_profiles(warehouse, [(1, True), (2, True), (3, False)])
    add_studies(warehouse, [(1, at(date(2026, 3, 1)), 400, 100), (2, at(date(2026, 3, 2)), None, 5),
                            (1, at(date(2026, 3, 2)), 10, None)])
    with warehouse.transaction() as conn:
        assert storage.refresh_partition_aggregates(conn, date(2026, 3, 1)) == 2
        assert storage.refresh_partition_aggregates(conn, date(2026, 3, 2)) == 2
        print(conn.query("SELECT * FROM access_stim_aggregates ORDER BY 1, 2"))
        assert storage.partition_totals(conn, date(2026, 3, 2)) == storage.window_totals_from_studies(
            conn, core.window_start(core.as_of_for_partition(date(2026, 3, 2))), core.as_of_for_partition(date(2026, 3, 2)))
    r = monitor.run(warehouse, as_of=core.as_of_for_partition(date(2026, 3, 2)), partition_day=date(2026, 3, 2))
    print(r.as_json(), r.written)
    r = monitor.run(warehouse, as_of=core.as_of_for_partition(date(2026, 3, 2)), partition_day=date(2026, 3, 2))
    print(r.as_json(), r.written)
    assert r.written["stamped"] == 0
