# The two commands of the README:
#   make demo   - the main job: synthetic demo study -> validation -> full report + yearly summary
#   make test   - lint, type check, the test suite and the strict documentation build (what CI runs)
# Each creates or reuses the local virtual environment .venv and installs what it needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-slow lint format schema bench docs docs-serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/audit-eval demo --out reports/demo --seed 1 --force

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto
	$(MAKE) --no-print-directory docs

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(STAMP)
	$(BIN)/audit-eval schema data_schema --force

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

# the documentation site: built strictly (every warning is an error) into site/ (git-ignored);
# it executes the notebooks of analyses/ (their one run in `make test`)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir site

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs serve --strict

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site
