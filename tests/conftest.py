"""Shared fixtures: the real model, a real FAISS index of the seeds, the real app."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from rag.app import create_app
from rag.config import Settings
from rag.service import QAService, open_service

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
QMSUM_DOCS = SHARED / "bench" / "qmsum-val" / "docs"


def read_source(doc_id: str, docs_dir: Path = SEEDS) -> str:
    """A document as every outside tool reads it: bytes decoded as UTF-8, no newline translation."""
    return (docs_dir / doc_id).read_bytes().decode("utf-8")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def live_server(
    index_dir: Path, docs_dir: Path, log_path: Path, env: dict[str, str] | None = None, timeout: float = 120,
) -> Iterator[str]:
    """Run `rag serve` as a real process on 127.0.0.1 over these folders; yields its base URL.

    `env` adds or overrides `RAG_*` settings. Waits until `/health` answers (building the
    index first if it is missing) and stops the process afterwards. The server's output goes
    to `log_path`, shown when it fails to start.
    """
    port = free_port()
    env = dict(os.environ, RAG_INDEX_DIR=str(index_dir), RAG_DOCS_DIR=str(docs_dir), **(env or {}))
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], cwd=REPO, env=env,
            stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(base + "/health", timeout=2) as response:
                        assert json.loads(response.read())["status"] == "ok"
                        break
                except (urllib.error.URLError, ConnectionError):
                    assert process.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, f"server did not start:\n{log_path.read_text()}"
                    time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Seeds corpus, index in a temporary folder; everything else from RAG_* or defaults."""
    return Settings.from_env(docs_dir=SEEDS, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def service(settings: Settings) -> QAService:
    """The real service: bundled MiniLM, FAISS index built once per test session."""
    return open_service(settings, build_if_needed=True)


@pytest.fixture(scope="session")
def client(settings: Settings, service: QAService) -> Iterator[TestClient]:
    """The real Litestar app over HTTP (in-process transport)."""
    with TestClient(app=create_app(settings, service)) as test_client:
        yield test_client
