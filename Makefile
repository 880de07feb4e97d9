# The two commands a newcomer needs: `make demo` and `make test`. Both install first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export PYTHONUNBUFFERED := 1
# Let Python cache compiled modules: without the cache every process that imports Dagster
# compiles ~1,000 modules again (about 1.5 s of CPU), and the tests, a code server and every run
# worker start many such processes. `install` compiles the packages once (~10 s), so parallel
# test workers do not each compile the same modules on their first import.
unexport PYTHONDONTWRITEBYTECODE

# requirements-dev.lock: every pinned package `make install` puts in .venv (dev, docker, k8s extras).
# requirements.lock: the runtime subset the container image installs, at the same versions.
DEV_LOCK := requirements-dev.lock
LOCK := requirements.lock
COMPILE := uv pip compile --quiet --universal --python-version 3.11 pyproject.toml

.PHONY: install lock demo test bench serve clean

$(STAMP): pyproject.toml $(DEV_LOCK)
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@test -x $(BIN)/python || uv venv --quiet --python $(PYTHON) $(VENV)
	uv pip sync --quiet --compile-bytecode --python $(BIN)/python $(DEV_LOCK)
	uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Re-resolve after editing pyproject.toml; pins already in the locks are kept where they still fit
# (`make lock UPGRADE=1` moves everything to the newest allowed versions).
lock:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(COMPILE) $(if $(UPGRADE),--upgrade) --extra dev --extra docker --extra k8s -o $(DEV_LOCK)
	$(COMPILE) --extra docker --extra k8s -c $(DEV_LOCK) -o $(LOCK)

$(DAGSTER_HOME)/dagster.yaml: deploy/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp deploy/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/compliance-pipeline init
	$(BIN)/compliance-pipeline demo-data
	$(BIN)/python -m compliance_pipeline.demo_materialize
	$(MAKE) serve

serve: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dg dev -h 127.0.0.1 -p 3000

# Tests run in TEST_WORKERS processes (pytest-xdist; each starts its own PostgreSQL); tests of
# one xdist_group stay in one process. Three workers on two cores: many tests wait on servers,
# processes or deadlines, and a third worker uses that time (measured: 3, 4 the same; 2 slower).
# `make test TEST_WORKERS=0` runs them in this process, `PYTEST_ARGS='-m "not slow"'` skips the
# long scenarios.
TEST_WORKERS ?= 3
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: install
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) data/warehouse.duckdb* data/budget_audit
