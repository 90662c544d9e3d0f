"""The layer contract in pyproject.toml (`[tool.importlinter]`) holds, and it catches a breach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


def lint(project: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the `rag` package found first in `project`."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run([str(LINT)], cwd=project, env=env, capture_output=True, text=True, timeout=120)


def test_every_layer_contract_is_kept() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("rag/query/fusion.py", "import rag.index.dense", "never FAISS, bm25s"),
        ("rag/query/fusion.py", "import faiss", "never FAISS, bm25s"),
        ("rag/index/load.py", "import rag.service", "Each layer imports only the layers below it"),
        ("rag/ingest/corpus.py", "import rag.chunking.tokens", "Each layer imports only the layers below it"),
        ("rag/service.py", "import litestar", "The core knows nothing about HTTP"),
    ],
)
def test_an_import_against_the_layers_breaks_the_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    shutil.copytree(ROOT / "rag", tmp_path / "rag", ignore=shutil.ignore_patterns("__pycache__", "web"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}\n")
    result = lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{broken}" in result.stdout.replace("\n", " ") and "BROKEN" in result.stdout
