# Quick start: `make demo` (set up + run the demo comparison), `make test` (set up + run tests).
# Needs only Python 3.11+ and make. Everything installs into .venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# One simulated year of a settled retailer (a steady start and a one-year burn-in), 8 paired
# replications of 5 strategies: 7 min 1 s on a busy 2-core machine (version 0.4.0).
demo: $(STAMP)
	$(BIN)/journeysim compare scenarios/retail.toml \
		--strategies baseline,crm,cem,loyalty,hybrid --replications 8 \
		--set "simulation.horizon=365 d"

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) build *.egg-info
