"""The remediation job's run config is typed: the launchpad shows its fields, bad config is
rejected by validation (naming the field) instead of failing the launch."""

from __future__ import annotations

import dagster as dg
import pytest

from compliance_pipeline.over_cap.jobs import remediate_over_cap_visits

FIELDS = {"dry_run": True, "opportunity_id": None, "batch_size": 500, "plan_id": None,
          "include_suspended": False}


def test_root_config_has_the_five_fields_with_defaults_and_descriptions():
    fields = remediate_over_cap_visits.run_config_schema.config_type.fields
    assert set(fields) == set(FIELDS)
    for name, default in FIELDS.items():
        assert not fields[name].is_required
        assert fields[name].default_value == default
        assert fields[name].description


@pytest.mark.parametrize(("config", "field"), [({"dryrun": False}, "dryrun"),
                                                ({"dry_run": "nope"}, "dry_run"),
                                                ({"batch_size": "many"}, "batch_size")])
def test_bad_config_is_rejected_naming_the_field(config, field):
    with pytest.raises(dg.DagsterInvalidConfigError) as raised:
        dg.validate_run_config(remediate_over_cap_visits, config)
    assert field in str(raised.value)


def test_valid_config_reaches_both_ops_with_defaults_filled():
    resolved = dg.validate_run_config(remediate_over_cap_visits,
                                      {"dry_run": False, "opportunity_id": "x"})
    for op in ("build_or_load_plan", "apply_plan"):
        assert resolved["ops"][op]["config"] == {**FIELDS, "dry_run": False, "opportunity_id": "x"}
