#!/usr/bin/env bash
# Create .venv with exactly the packages of requirements.lock (hash-checked), the package itself
# (editable, no dependency resolution), then tiktoken's encoding files and the model's ONNX export.
# Idempotent: with the same lock and pyproject.toml a second run only checks. When either changes,
# .venv is made anew, so it never keeps a package the lock no longer holds.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "error: Python 3.11 is required: the lock is for CPython 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

VENV=.venv
stamp="$VENV/.installed-$(cat requirements.lock pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if [ -d "$VENV" ]; then
    echo "bootstrap: the lock or pyproject.toml changed; making $VENV anew"
    rm -rf "$VENV"
  fi
  echo "bootstrap: installing the locked packages into $VENV (torch CPU build; a few minutes the first time)"
  "$PYTHON" -m venv "$VENV"
  # -qq: pip's warnings about this machine's optional local indexes are not ours to show. Errors
  # still print. --require-hashes: every file must match the lock's sha256.
  "$VENV/bin/python" -m pip install -qq --disable-pip-version-check --require-hashes --no-deps \
    -r requirements.lock
  # The locked setuptools builds the package: no build isolation, so nothing unpinned is fetched.
  "$VENV/bin/python" -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
  touch "$stamp"
fi

# tiktoken's encoding files, the model's weights checked and its ONNX export (each a no-op when done).
"$VENV/bin/rag" setup
