# `make run` serves, `make test` runs the whole suite, `make lint` runs ruff, mypy and hadolint; all create
# .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/ses-emulator: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/ses-emulator
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(VENV)/.lint-deps: $(BIN)/ses-emulator
	$(BIN)/pip install -q -e '.[lint]'
	touch $@

run: $(BIN)/ses-emulator
	$(BIN)/ses-emulator serve

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.lint-deps $(VENV)/.test-deps  # mypy needs the test deps (pytest) to type the plugin
	$(BIN)/ruff check emulator tests samples
	$(BIN)/ruff format --check emulator tests samples
	$(BIN)/mypy emulator
	$(BIN)/hadolint docker/Dockerfile

bench: $(BIN)/ses-emulator
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
