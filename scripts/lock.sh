#!/usr/bin/env bash
# Refresh requirements.lock from pyproject.toml (runtime and test dependencies, with hashes).
# pip-tools resolves with pip itself, so it sees the same indexes and find-links as the install;
# torch is held to the CPU build by scripts/torch-cpu.txt. Extra arguments go to pip-compile,
# e.g. `bash scripts/lock.sh --upgrade` (everything to the newest allowed) or
# `bash scripts/lock.sh --upgrade-package numpy`. Without them, pins that still fit are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.cache/lock-tools
if [ ! -x "$tools/bin/pip-compile" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -qq --disable-pip-version-check "pip-tools==7.6.2"
fi
# Machine-specific sources stay out of the file: each machine's pip configuration supplies them.
CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh" exec "$tools/bin/pip-compile" pyproject.toml --extra test --all-build-deps --allow-unsafe \
  --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
  --constraint scripts/torch-cpu.txt \
  --output-file requirements.lock --quiet "$@"
