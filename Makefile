# The two commands in the README: `make run` (set up, then launch the app offline) and `make test`.
# `make run` and `make ingest` install the app alone; `make test`, `lint`, `bench` and `mutate` add the dev extras
# (pytest, ruff, mypy, Playwright, the PostgreSQL driver, ...) on top. Each install has a stamp named after a checksum
# of pyproject.toml and constraints.txt, so a change to either installs again and `make test` after `make run`
# installs only the extras.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEPS := $(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
APP_STAMP := $(VENV)/.installed-app-$(DEPS)
DEV_STAMP := $(VENV)/.installed-dev-$(DEPS)

.PHONY: setup setup-dev run test ruff lint bench ingest mutate clean

setup: $(APP_STAMP)

setup-dev: $(DEV_STAMP)

# pip prints each package as it goes (no -q); from a terminal it draws a progress bar for each download.
$(APP_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== Installing the app into $(VENV): about 250 MB of packages (Gradio, Chroma, onnxruntime, LangChain," \
	      "SciPy, pandas), 1.0 GB on disk; about a minute plus the download, once. Later runs skip this step."
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -c constraints.txt -e .
	rm -f $(VENV)/.installed-*; touch $@

$(DEV_STAMP): $(APP_STAMP)
	@echo "== Adding the dev tools to $(VENV): pytest, ruff, mypy, mutmut, Playwright, psycopg, scikit-learn," \
	      "statsmodels; about 100 MB more to download, 0.5 GB on disk; about 30 s plus the download, once."
	$(BIN)/python -m pip install --progress-bar on -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-dev-*; touch $@

# Byte-compile bot/ first: where PYTHONDONTWRITEBYTECODE is set, every start would otherwise compile it again.
run: setup
	$(BIN)/python -m compileall -q bot app.py > /dev/null
	$(BIN)/python app.py

ruff: setup-dev
	$(BIN)/ruff check bot tests bench app.py migrations
	$(BIN)/ruff format --check bot tests bench app.py migrations

lint: ruff
	$(BIN)/mypy bot app.py

# Coverage of bot/ (CLI subprocesses included) with a floor: fail_under in pyproject.toml's [tool.coverage.report].
# pytest-xdist workers: one more than the cores (at most 5). The browser, server and PostgreSQL tests spend part of
# their time waiting on other processes, and the extra worker fills it. Measured on 2 cores: three workers 4:47 where
# two took 5:17 (a suite of 661 and 638 tests); with this suite, four workers 5:05 where three took 4:26 and 4:38. The
# PostgreSQL tests all run on one worker (tests/conftest.py). bot/ is byte-compiled first:
# where PYTHONDONTWRITEBYTECODE is set, each CLI, server and critic-worker process the tests start would compile it.
# mypy (the lint target's third step, about 11 s of CPU cold) runs beside pytest, in the time its workers wait on
# other processes, and its report prints after pytest's; either failing fails the target.
WORKERS ?= $(shell $(BIN)/python -c 'import os; print(min(len(os.sched_getaffinity(0)) + 1, 5))')
test: ruff
	$(BIN)/python -m compileall -q bot app.py > /dev/null
	@types=$$(mktemp); echo "$(BIN)/mypy bot app.py (beside pytest; its report follows pytest's)"; \
	$(BIN)/mypy bot app.py > $$types 2>&1 & mypy=$$!; \
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup --cov --cov-report=term; tests=$$?; \
	wait $$mypy; typed=$$?; echo "== mypy"; cat $$types; rm -f $$types; \
	test $$tests -eq 0 && test $$typed -eq 0

# Mutation testing of the rules (bot/critic, bot/interview, bot/coaching, bot/storage; config in [tool.mutmut]).
# Slow: not part of `make test`. One module: make mutate MUTANTS='bot.interview.policy*'
# A random sample, scored with a 95% interval (the whole run takes hours on two cores): make mutate SAMPLE=400 SEED=16
# Grow it with another seed, keeping the results so far (same code and tests): make mutate SAMPLE=150 SEED='17 18' KEEP=1
MUTANTS ?=
SAMPLE ?=
SEED ?= 15
KEEP ?=
# COACH_TEST_CACHE (tests/conftest.py): one guide index and one store of the model's vectors for the whole run,
# built by mutmut's clean run and read by each mutant's. Each run starts from nothing: mutmut's incremental
# re-collection of which tests reach which function lost functions after tests were added (a sample then showed 26
# of 150 mutants as "not covered"), and a full collection costs only about 7 minutes.
mutate: setup-dev
ifndef KEEP
	rm -rf mutants .mutate-cache
endif
ifdef SAMPLE
	COACH_TEST_CACHE=$(CURDIR)/.mutate-cache $(BIN)/python tools/mutate_sample.py --n $(SAMPLE) \
		$(foreach seed,$(SEED),--seed $(seed)) $(if $(KEEP),--keep)
else
	COACH_TEST_CACHE=$(CURDIR)/.mutate-cache $(BIN)/mutmut run $(MUTANTS)
	$(BIN)/mutmut export-cicd-stats
	@$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	caught = s['killed'] + s['timeout']; survived = s['survived']; uncovered = s['no_tests']; \
	checked = caught + survived + uncovered + s['suspicious'] + s['segfault']; \
	print(f'mutation score: {caught}/{checked} mutants caught ({100 * caught / max(checked, 1):.1f}%); ' \
	      f'{survived} survived, {uncovered} not covered by any test, {s[\"total\"] - checked} not run; ' \
	      'list them: $(BIN)/mutmut results')"
endif

bench: setup-dev
	$(BIN)/python bench/run_all.py

ingest: setup
	$(BIN)/python -m bot ingest

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache mutants .coverage .coverage.*
