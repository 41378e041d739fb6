# The two commands in the README: `make run` (set up, then launch the app offline) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: setup run test lint bench ingest clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

run: setup
	$(BIN)/python app.py

lint: setup
	$(BIN)/ruff check bot tests bench app.py migrations
	$(BIN)/ruff format --check bot tests bench app.py migrations
	$(BIN)/mypy bot app.py

test: lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/run_all.py

ingest: setup
	$(BIN)/python -m bot ingest

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
