# The two commands in the README: `make run` (set up, then launch the app offline) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: setup run test lint bench ingest mutate clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

# Byte-compile bot/ first: where PYTHONDONTWRITEBYTECODE is set, every start would otherwise compile it again.
run: setup
	$(BIN)/python -m compileall -q bot app.py > /dev/null
	$(BIN)/python app.py

lint: setup
	$(BIN)/ruff check bot tests bench app.py migrations
	$(BIN)/ruff format --check bot tests bench app.py migrations
	$(BIN)/mypy bot app.py

# Coverage of bot/ (CLI subprocesses included) with a floor: fail_under in pyproject.toml's [tool.coverage.report].
test: lint
	$(BIN)/python -m pytest --cov --cov-report=term

# Mutation testing of the rules (bot/critic, bot/interview, bot/coaching, bot/storage; config in [tool.mutmut]).
# Slow: not part of `make test`. One module: make mutate MUTANTS='bot.interview.policy*'
MUTANTS ?=
mutate: setup
	$(BIN)/mutmut run $(MUTANTS)
	$(BIN)/mutmut export-cicd-stats
	@$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	caught = s['killed'] + s['timeout']; survived = s['survived']; uncovered = s['no_tests']; \
	checked = caught + survived + uncovered + s['suspicious'] + s['segfault']; \
	print(f'mutation score: {caught}/{checked} mutants caught ({100 * caught / max(checked, 1):.1f}%); ' \
	      f'{survived} survived, {uncovered} not covered by any test, {s[\"total\"] - checked} not run; ' \
	      'list them: $(BIN)/mutmut results')"

bench: setup
	$(BIN)/python bench/run_all.py

ingest: setup
	$(BIN)/python -m bot ingest

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache mutants .coverage .coverage.*
