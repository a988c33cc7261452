#!/bin/sh
# Install the emulator from the source tree in the current directory into a fresh virtualenv.
# Usage: sh docker/install.sh [VENV]   (default /opt/ses-emulator). The Dockerfile runs exactly this, and
# tests/docker runs it too (without Docker), so the image recipe cannot silently rot.
set -eu
venv="${1:-/opt/ses-emulator}"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet ".[postgres]"
"$venv/bin/ses-emulator" --version
