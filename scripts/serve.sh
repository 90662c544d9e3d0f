#!/usr/bin/env bash
# One command: install what is needed, build the index from seeds/ if missing or stale,
# and serve on 127.0.0.1 (RAG_HOST / RAG_PORT to change; see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/rag serve "$@"
