# The two commands: `make run` serves the demo on 127.0.0.1:3000, `make test` runs every test
# (tests/ and the contract suite in contract_tests/ with its ci budget). `make contract` runs the
# contract suite with the full budget: the robustness figure (>= 10,000 requests, 5xx counted).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test contract lint bench bench-prism clean demo-fixtures contract-live screenshots mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# CORS on: `make run` is a developer's desk, where a browser frontend on another port calls the
# mock (README, "CORS"); `chatwoot-mock serve` alone keeps it off, as Chatwoot does by default.
run: $(STAMP)
	$(BIN)/chatwoot-mock serve --cors

# On one pytest-xdist worker per core (tests/conftest.py: the loadgroup rule); `python -m pytest`
# alone runs the same tests serially.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist loadgroup

contract: $(STAMP)
	$(BIN)/python -m pytest contract_tests -p no:cacheprovider --contract-budget full

lint: $(STAMP)
	$(BIN)/ruff check .

# Schemathesis against your own Chatwoot (README, "Contract tests against your Chatwoot"):
#   make contract-live CHATWOOT_BASE_URL=https://chat.example.com CHATWOOT_API_TOKEN=... CHATWOOT_ACCOUNT_ID=1
# Read-only; CONTRACT_ARGS=--allow-writes adds the writing operations (on inboxes the run creates).
CONTRACT_ARGS ?=
contract-live: $(STAMP)
	@test -n "$$CHATWOOT_BASE_URL" -a -n "$$CHATWOOT_API_TOKEN" -a -n "$$CHATWOOT_ACCOUNT_ID" || \
	  { echo "set CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID"; exit 2; }
	$(BIN)/chatwoot-mock contract --junit contract-live.xml $(CONTRACT_ARGS)

# Every bench/ script, each printing its figures (bench/README.md says what each measures); about 15 minutes when busy.
# bench_hostile.py --before aaf1002 adds the before-issue-9 figures (installs that commit into ~/.cache once).
bench: $(STAMP)
	$(BIN)/python bench/bench_inboxes.py
	$(BIN)/python bench/bench_fixtures.py
	$(BIN)/python bench/bench_pytest_plugin.py
	$(BIN)/python bench/bench_control.py
	$(BIN)/python bench/bench_validation.py
	$(BIN)/python bench/bench_state.py
	$(BIN)/python bench/bench_hostile.py
	$(BIN)/python bench/bench_bridge.py

# The mock against Prism in the same run (issue 10): installs Prism from npm into ~/.cache (outside
# the repository) and wrk from Debian if missing; prints the ratios. BENCH_ARGS="--rounds 3" for three.
BENCH_ARGS ?=
bench-prism: $(STAMP)
	$(BIN)/python bench/bench_prism.py $(BENCH_ARGS)

# Mutation testing (issue 14), slow, not part of `make test`: mutmut over the Chatwoot model and the
# request validation, one module at a time; prints the score per module and the surviving mutants.
# MUTATION_MODULES="chatwoot.params" picks modules (tools/mutation.py MODULES by default).
MUTATION_MODULES ?=
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	$(BIN)/python tools/mutation.py $(MUTATION_MODULES)
	$(if $(MUTATION_MODULES),,$(BIN)/python tools/mutation_policies.py)

# Regenerates the committed demo state from its seeded generator (tests check the two are equal).
demo-fixtures: $(STAMP)
	$(BIN)/chatwoot-mock fixtures --set demo -o fixtures/demo.json

# The README's screenshots, taken by the browser tests that check the two pages (needs Chromium).
screenshots: $(STAMP)
	SCREENSHOT_DIR=docs/screenshots MOCK_BROWSER_TESTS=required $(BIN)/python -m pytest tests/browser \
	  -k "try_it_out or follows_the_api"

clean:
	rm -rf $(VENV) .hypothesis .schemathesis build dist *.egg-info
