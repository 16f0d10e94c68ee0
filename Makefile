# The two commands that do everything on a fresh machine:
#   make build   set up the environment, load the demo data, build and document the warehouse
#   make test    every test: ruff, sqlfluff, pytest (which runs real dbt builds on DuckDB)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# SACRO's output checker in an environment of its own: acro declares pandas<=2.3.3, the
# warehouse runs pandas 3.1 (tests/python/test_acro.py runs it on files it writes).
ACRO_VENV := .venv-acro
ACRO_STAMP := $(ACRO_VENV)/.installed-$(shell cat tools/acro/requirements.txt | cksum | cut -d' ' -f1)

# The two environments install side by side, and lint starts once the first is there.
MAKEFLAGS += --jobs=3

export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: build test lint setup clean acro-env

build: $(STAMP)
	$(BIN)/samspil build

test: $(STAMP) $(ACRO_STAMP) lint
	tools/system/install-test-packages
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# sqlfluff's dbt templater opens a DuckDB file: give it its own, also on a fresh clone
	mkdir -p target
	SAMSPIL_BUILD_WAREHOUSE=target/sqlfluff.duckdb $(BIN)/sqlfluff lint models tests

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

acro-env: $(ACRO_STAMP)

$(ACRO_STAMP): tools/acro/requirements.txt
	$(PYTHON) -m venv $(ACRO_VENV)
	$(ACRO_VENV)/bin/pip install --quiet --upgrade pip
	$(ACRO_VENV)/bin/pip install --quiet -r tools/acro/requirements.txt
	$(ACRO_VENV)/bin/pip check
	rm -f $(ACRO_VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) $(ACRO_VENV) target logs warehouse/*.duckdb
