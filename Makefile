# `make run` serves, `make test` runs the whole suite, `make lint` runs ruff, mypy, import-linter and hadolint; all create
# .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Bytecode caching on, whatever the shell says: with PYTHONDONTWRITEBYTECODE set, every Python process
# (each server a test starts, each pytest worker's assertion rewriting) compiles the sources again;
# measured here, collecting the suite took 7.4 s per process instead of 3.3, an import of the server 1.22 s
# instead of 1.07. The caches are __pycache__/ folders, ignored by git.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint bench clean

$(BIN)/ses-emulator: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/ses-emulator
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The official Node SDK for tests/tencent_api/test_node_sdk.py, pinned by tests/node/package-lock.json;
# installed only when npm is on the machine (the tests skip with a reason otherwise).
tests/node/node_modules/.installed: tests/node/package-lock.json
	if command -v npm >/dev/null 2>&1; then \
	  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed) \
	  || echo "npm ci failed: the Node SDK tests will skip (and fail under CI=true)"; fi
$(VENV)/.lint-deps: $(BIN)/ses-emulator
	$(BIN)/pip install -q -e '.[lint]'
	touch $@

run: $(BIN)/ses-emulator
	$(BIN)/ses-emulator serve

test: $(VENV)/.test-deps tests/node/node_modules/.installed
	$(BIN)/python -m compileall -q -j 0 emulator bench tests  # once here, not in each worker at once
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.lint-deps $(VENV)/.test-deps  # mypy needs the test deps (pytest) to type the plugin
	$(BIN)/ruff check emulator tests samples
	$(BIN)/ruff format --check emulator tests samples
	$(BIN)/mypy emulator
	$(BIN)/lint-imports  # the layer contracts in pyproject.toml [tool.importlinter]
	$(BIN)/hadolint docker/Dockerfile docker/postgres/Dockerfile

$(VENV)/.bench-deps: $(BIN)/ses-emulator
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
