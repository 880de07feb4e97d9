"""The `erpnext` resource reads ERPNEXT_* through EnvVar and tolerates them being unset."""

import dagster as dg

from compliance_pipeline.access_stimulation.erpnext import ERPNextResource, erpnext_resource


def test_unset_env_leaves_the_resource_unconfigured(monkeypatch):
    for name in ("ERPNEXT_URL", "ERPNEXT_API_KEY", "ERPNEXT_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    resource = erpnext_resource()
    assert not resource.configured and resource.url is None


def test_set_env_is_read_through_envvar(monkeypatch):
    monkeypatch.setenv("ERPNEXT_URL", "http://erp.example")
    monkeypatch.setenv("ERPNEXT_API_KEY", "key")
    monkeypatch.setenv("ERPNEXT_API_SECRET", "secret")
    resource = erpnext_resource()
    assert isinstance(resource.url, dg.EnvVar) and isinstance(resource.api_secret, dg.EnvVar)

    @dg.asset
    def probe(erpnext: ERPNextResource) -> None:
        assert erpnext.configured and (erpnext.url, erpnext.api_key) == ("http://erp.example", "key")

    assert dg.materialize([probe], resources={"erpnext": resource}).success
