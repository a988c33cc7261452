# `make run` serves, `make test` runs the whole suite; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench clean

$(BIN)/ses-emulator: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/ses-emulator
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: $(BIN)/ses-emulator
	$(BIN)/ses-emulator serve

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(BIN)/ses-emulator
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
