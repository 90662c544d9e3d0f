#!/usr/bin/env bash
# Create .venv and install everything the service and its tests need, offline-safe:
# torch 2.13.0 (CPU wheel) first, then the package, then tiktoken's encoding files.
# Idempotent: a second run with the same pyproject.toml does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.installed-$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing torch==2.13.0 (CPU) and the package with its test extras"
  # torch first: any other spec makes pip fetch a multi-GB CUDA build.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# tiktoken's encoding files and a check of the bundled model's weights (both no-ops when done).
"$VENV/bin/rag" setup
