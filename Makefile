# The two commands: `make run` serves the demo on 127.0.0.1:3000, `make test` runs every test
# (tests/ and the contract suite in contract_tests/ with its ci budget). `make contract` runs the
# contract suite with the full budget: the robustness figure (>= 10,000 requests, 5xx counted).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test contract lint bench clean

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

contract: $(STAMP)
	$(BIN)/python -m pytest contract_tests -p no:cacheprovider --contract-budget full

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/bench_inboxes.py

clean:
	rm -rf $(VENV) .hypothesis .schemathesis build dist *.egg-info
