#!/bin/sh
# Install the emulator from the source tree in the current directory into a virtualenv.
# Usage: sh docker/install.sh [--deps-only] [VENV]   (default /opt/ses-emulator). The Dockerfile runs exactly
# this (first --deps-only, its own cached layer: the dependencies of pyproject.toml with the postgres
# extra; then the package), and tests/ops/test_docker_recipe.py replays it without Docker, so the image
# recipe cannot silently rot.
set -eu
deps_only=0
if [ "${1:-}" = "--deps-only" ]; then
  deps_only=1
  shift
fi
venv="${1:-/opt/ses-emulator}"
[ -x "$venv/bin/pip" ] || "${PYTHON:-python3}" -m venv "$venv"
if [ "$deps_only" = 1 ]; then
  "$venv/bin/python" -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(p["dependencies"] + p["optional-dependencies"]["postgres"]))' > "$venv/dependencies.txt"
  "$venv/bin/pip" install --quiet -r "$venv/dependencies.txt"
  echo "dependencies installed"
  exit 0
fi
"$venv/bin/pip" install --quiet ".[postgres]"
"$venv/bin/ses-emulator" --version
