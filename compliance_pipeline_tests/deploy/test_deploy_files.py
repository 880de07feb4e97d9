"""deploy/: the Dockerfile, the compose file, the Docker instance and the Helm values agree with
each other and with the run launchers' own config schemas (no Docker daemon or cluster needed)."""

from __future__ import annotations

import json
import re
import shutil

import dagster as dg
import pytest
import yaml
from dagster._config import Shape, process_config
from dagster._core.instance.config import dagster_instance_config, dagster_instance_config_schema
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher

from compliance_pipeline_tests.deploy.topology import CODE_SERVER_COMMAND, instance_env
from compliance_pipeline_tests.webui.dagster_dev import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
APP_SERVICES = {"code-server", "webserver", "daemon"}
INSTANCE_SCHEMA = Shape(dagster_instance_config_schema())


def _yaml(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text())


def _dockerfile_instructions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.setdefault(keyword.upper(), []).append(rest.strip())
    return found


def test_dockerfile_default_command_is_the_code_server_the_topology_test_runs():
    instructions = _dockerfile_instructions()
    (cmd,) = instructions["CMD"]
    assert json.loads(cmd) == [*CODE_SERVER_COMMAND, "-h", "0.0.0.0", "-p", "4000"]
    workspace_entry = _yaml("workspace.yaml")["load_from"][0]["grpc_server"]
    assert workspace_entry["port"] == 4000 and workspace_entry["location_name"] == "compliance_pipeline"


def test_dockerfile_is_slim_python_311_non_root_and_installs_the_runtime_lock():
    instructions = _dockerfile_instructions()
    assert instructions["FROM"] == ["python:3.11-slim"]
    (user,) = instructions["USER"]
    assert user not in ("root", "0")
    runs = " ".join(instructions["RUN"])
    assert "--requirement requirements.lock" in runs and "--no-deps ." in runs
    copies = " ".join(instructions["COPY"])
    assert "deploy/dagster-docker.yaml /opt/dagster/home/dagster.yaml" in copies
    assert "deploy/workspace.yaml /opt/dagster/app/workspace.yaml" in copies


def test_compose_names_the_image_the_four_services_and_the_budget_volume():
    compose = _yaml("docker-compose.yaml")
    services = compose["services"]
    assert set(services) == {"postgres", *APP_SERVICES}
    for name in APP_SERVICES:
        assert services[name]["image"] == "compliance-pipeline:latest"
        env = services[name]["environment"]
        assert env["COMPLIANCE_AUTOMATION"].startswith("${COMPLIANCE_AUTOMATION:-on}")
        assert env["COMPLIANCE_WAREHOUSE_URL"].startswith("postgresql://")
    assert services["code-server"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "command" not in services["code-server"]  # the image's default: the code server
    assert services["webserver"]["command"][0] == "dagster-webserver"
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    for name in ("webserver", "daemon"):  # the Docker run launcher lives in these two
        assert "/var/run/docker.sock:/var/run/docker.sock" in services[name]["volumes"]
    volume_name = compose["volumes"]["budget_audit"]["name"]
    assert f"budget_audit:{services['code-server']['environment']['BUDGET_AUDIT_DIR']}" in \
        services["code-server"]["volumes"]
    launcher = _yaml("dagster-docker.yaml")["run_launcher"]["config"]
    assert launcher["container_kwargs"]["volumes"] == [f"{volume_name}:/data/budget_audit"]
    assert compose["networks"]["compliance"]["name"] == \
        services["daemon"]["environment"]["COMPLIANCE_DOCKER_NETWORK"]


def test_every_variable_the_docker_launcher_forwards_is_set_in_compose():
    compose = _yaml("docker-compose.yaml")
    launcher = _yaml("dagster-docker.yaml")["run_launcher"]["config"]
    daemon_env = compose["services"]["daemon"]["environment"]
    assert set(launcher["env_vars"]) <= set(daemon_env)
    for source in ("image", "network"):
        assert launcher[source]["env"] in daemon_env


def test_docker_instance_validates_and_builds_a_docker_run_launcher(pg_url, tmp_path, monkeypatch):
    for key, value in instance_env(pg_url).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("COMPLIANCE_IMAGE", "compliance-pipeline:latest")
    monkeypatch.setenv("COMPLIANCE_DOCKER_NETWORK", "compliance_network")
    shutil.copy(DEPLOY / "dagster-docker.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, DockerRunLauncher)
        assert launcher.image == "compliance-pipeline:latest"
        assert launcher.networks == ["compliance_network"]
        assert launcher.container_kwargs["volumes"] == ["compliance_budget_audit:/data/budget_audit"]
        assert "COMPLIANCE_WAREHOUSE_URL" in launcher.env_vars
        run_queue = instance.get_concurrency_config().run_queue_config
        assert run_queue.max_concurrent_runs == 8
        assert [(limit["key"], limit["value"], limit["limit"]) for limit in run_queue.tag_concurrency_limits] \
            == [("compliance/exclusive", "over_cap", 1)]
        assert instance.run_retries_max_retries == 1


def _chart_k8s_run_launcher(values: dict) -> dict:
    """The chart's instance template for K8sRunLauncher (dagsterYaml.runLauncher.k8s), on these values."""
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    config = {
        "load_incluster_config": k8s["loadInclusterConfig"], "job_namespace": "compliance",
        "image_pull_policy": k8s["imagePullPolicy"], "service_account_name": "compliance-dagster",
        "dagster_home": "/opt/dagster/dagster_home", "instance_config_map": "compliance-dagster-instance",
        "postgres_password_secret": values["global"]["postgresqlSecretName"],
        "env_secrets": [secret["name"] for secret in k8s.get("envSecrets", [])],
        "env_vars": k8s.get("envVars", []),
        "volume_mounts": k8s.get("volumeMounts", []), "volumes": k8s.get("volumes", []),
    }
    run_k8s = k8s.get("runK8sConfig", {})
    snake = {"containerConfig": "container_config", "podSpecConfig": "pod_spec_config",
             "podTemplateSpecMetadata": "pod_template_spec_metadata",
             "jobSpecConfig": "job_spec_config", "jobMetadata": "job_metadata"}
    if run_k8s:
        assert set(run_k8s) <= set(snake), f"the chart ignores {set(run_k8s) - set(snake)}"
        config["run_k8s_config"] = {snake[key]: value for key, value in run_k8s.items()}
    return config


def _camel_to_snake(value):
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): _camel_to_snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_to_snake(v) for v in value]
    return value


def test_helm_run_launcher_validates_against_the_k8s_run_launcher_schema():
    values = _yaml("helm/values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    result = process_config(K8sRunLauncher.config_type(), _chart_k8s_run_launcher(values))
    assert result.success, [error.message for error in result.errors]
    broken = _chart_k8s_run_launcher(values)
    broken["volumes"] = "budget-audit"  # the same check rejects a malformed value
    assert not process_config(K8sRunLauncher.config_type(), broken).success


def test_helm_instance_settings_validate_against_dagsters_instance_schema():
    values = _yaml("helm/values.yaml")
    # What the chart writes into the instance ConfigMap from these values.
    instance = {"concurrency": _camel_to_snake(values["concurrency"]),
                "run_retries": _camel_to_snake(values["dagsterDaemon"]["runRetries"]),
                "run_queue": _camel_to_snake(
                    values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]),
                "telemetry": values["telemetry"]}
    result = process_config(INSTANCE_SCHEMA, instance)
    assert result.success, [error.message for error in result.errors]
    assert instance["concurrency"] == _yaml("dagster-postgres.yaml")["concurrency"]
    assert instance["run_queue"] == _yaml("dagster-postgres.yaml")["run_queue"]
    assert values["telemetry"]["enabled"] is False
    assert values["postgresql"]["enabled"] is False
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"


def test_helm_user_code_runs_pods_with_automation_secrets_and_the_shared_budget_volume():
    values = _yaml("helm/values.yaml")
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", CODE_SERVER_COMMAND[-1]]
    env = {item["name"]: item["value"] for item in deployment["env"]}
    assert env["COMPLIANCE_AUTOMATION"] == "on"
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert deployment["envSecrets"] == k8s["envSecrets"]
    (mount,) = [m for m in k8s["volumeMounts"] if m["mountPath"] == env["BUDGET_AUDIT_DIR"]]
    (volume,) = [v for v in k8s["volumes"] if v["name"] == mount["name"]]
    assert volume in deployment["volumes"] and mount in deployment["volumeMounts"]
    assert "ReadWriteMany" in (DEPLOY / "helm" / "values.yaml").read_text()


@pytest.mark.parametrize("name", ["dagster.yaml", "dagster-postgres.yaml", "dagster-docker.yaml"])
def test_instance_files_turn_off_telemetry_and_the_pop_up_and_use_the_concurrency_block(name, monkeypatch):
    for key in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB",
                "COMPLIANCE_IMAGE", "COMPLIANCE_DOCKER_NETWORK"):
        monkeypatch.setenv(key, "x")
    monkeypatch.setenv("DAGSTER_PG_PORT", "5432")
    config = _yaml(name)
    assert config["telemetry"]["enabled"] is False
    assert config["nux"]["enabled"] is False
    assert "run_coordinator" not in config
    result = process_config(INSTANCE_SCHEMA, config)
    assert result.success, [error.message for error in result.errors]
    dagster_instance_config(str(DEPLOY), name)  # Dagster's own load: cross-field checks raise


def test_compose_warehouse_database_is_the_one_the_init_script_creates():
    compose = _yaml("docker-compose.yaml")
    url = compose["services"]["code-server"]["environment"]["COMPLIANCE_WAREHOUSE_URL"]
    database = url.rsplit("/", 1)[1]
    assert f"CREATE DATABASE {database};" in (DEPLOY / "postgres-init.sql").read_text()
    assert compose["services"]["postgres"]["environment"]["POSTGRES_DB"] == \
        compose["services"]["code-server"]["environment"]["DAGSTER_PG_DB"]


def test_every_variable_compose_reads_is_in_the_example_env_file():
    referenced = set(re.findall(r"\$\{([A-Z_]+)", (DEPLOY / "docker-compose.yaml").read_text()))
    example = {line.split("=", 1)[0] for line in (DEPLOY / "compose.env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert referenced == example


def test_dockerignore_keeps_what_the_dockerfile_copies():
    ignored = {line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for copy in _dockerfile_instructions()["COPY"]:
        for source in copy.split()[:-1]:
            assert source.split("/")[0] not in ignored, source
