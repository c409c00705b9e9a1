# Every target builds its own virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test ci bench fuzz accuracy clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/akson-intake demo

test: $(STAMP)
	$(BIN)/python -m pytest

# CI: the same tests, but a test that needs Dovecot or PostgreSQL fails instead of skipping.
ci: $(STAMP)
	AKSON_REQUIRE_SERVICES=1 $(BIN)/python -m pytest

# Every benchmark in one run, one table (also written as JSON under bench/results/).
# BENCH_ARGS=--quick for a small, fast run.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Coverage-guided fuzzing of the analysis (atheris); runs until stopped, or FUZZ_ARGS=-runs=N.
fuzz: $(STAMP)
	$(BIN)/pip install --quiet -e '.[fuzz]'
	$(BIN)/python tests/hostile/fuzz_atheris.py $(FUZZ_ARGS)

# The pipeline over the public labelled corpus and a labelled sample set made at run time;
# prints precision, recall, review rate and confusions per category (JSON in var/accuracy/).
accuracy: $(STAMP)
	$(BIN)/python -m intake.accuracy_run --corpus ../shared/corpus/public --samples 120

clean:
	rm -rf $(VENV) var .pytest_cache
