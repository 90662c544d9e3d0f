"""CI gate: evaluate the seed gold set on a freshly built index and fail below eval/thresholds.json.

The index is built in a temporary folder on purpose: the manifest check notices changed
settings, model or files, but not changed parser or chunker code, so a reused index
could hide a regression. Exit status: 0 pass, 1 a metric below its threshold, 2 an error.

Usage (from the repository root):  .venv/bin/python eval/run_gate.py [extra `rag eval` flags]
The report and run file go to eval/runs/ (git-ignored).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from rag.cli import main

EVAL = Path(__file__).resolve().parent
REPO = EVAL.parent


def gate(extra: list[str]) -> int:
    """Run `rag eval` on the seeds with the checked-in thresholds; returns its exit status."""
    runs = EVAL / "runs"
    with tempfile.TemporaryDirectory(prefix="rag-gate-index-") as index_dir:
        return main([
            "eval", "--gold", str(EVAL / "gold.jsonl"), "--docs", str(REPO / "seeds"), "--index-dir", index_dir,
            "--thresholds", str(EVAL / "thresholds.json"),
            "--report", str(runs / "gate-report.json"), "--run-out", str(runs / "gate-run.jsonl"),
            *extra,
        ])


if __name__ == "__main__":
    sys.exit(gate(sys.argv[1:]))
