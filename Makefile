# The two commands: `make run` serves the demo on 127.0.0.1:3000, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean demo-fixtures

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/chatwoot-mock serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/bench_inboxes.py
	$(BIN)/python bench/bench_fixtures.py
	$(BIN)/python bench/bench_pytest_plugin.py
	$(BIN)/python bench/bench_control.py

# Regenerates the committed demo state from its seeded generator (tests check the two are equal).
demo-fixtures: $(STAMP)
	$(BIN)/chatwoot-mock fixtures --set demo -o fixtures/demo.json

clean:
	rm -rf $(VENV) .hypothesis .schemathesis build dist *.egg-info
