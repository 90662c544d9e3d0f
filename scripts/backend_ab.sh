#!/usr/bin/env bash
# Retrieval and answer quality of each embedding backend on every public set: one fresh index and
# one `rag eval` per backend and set, reports in .cache/ab/ (README "Speed", the int8 table).
# Usage: bash scripts/backend_ab.sh [backend...]   (default: onnx-int8 onnx)
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/ab
mkdir -p "$out"
backends=("$@")
[ ${#backends[@]} -eq 0 ] && backends=(onnx-int8 onnx)
for backend in "${backends[@]}"; do
  for set in seeds qmsum-val squad2-train; do
    if [ "$set" = seeds ]; then gold=eval/gold.jsonl; docs=seeds
    else gold=../shared/bench/$set/gold.jsonl; docs=../shared/bench/$set/docs; fi
    RAG_EMBED_BACKEND=$backend .venv/bin/rag eval --gold "$gold" --docs "$docs" \
      --index-dir "$out/$backend/$set" --report "$out/$backend-$set.json" --max-failures 1 > "$out/$backend-$set.log" 2>&1
    echo "$backend $set: $out/$backend-$set.json"
  done
done
