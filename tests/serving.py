"""Running the service for real on 127.0.0.1: in a thread (sharing the test's loaded service) or as
a `rag serve` process (for memory figures of the server alone)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from litestar import Litestar

from benchmarks.server import free_port, wait_until_healthy
from tests.conftest import REPO


@contextlib.contextmanager
def serve_in_thread(app: Litestar, timeout: float = 30) -> Iterator[str]:
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a background thread; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, timeout, alive=thread.is_alive)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def serve_process(env: dict[str, str], log_path: Path, timeout: float = 180) -> Iterator[tuple[str, int]]:
    """Run `rag serve` as its own process on 127.0.0.1 with `env` added; yields (base URL, pid)."""
    port = free_port()
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], cwd=REPO,
            env={**os.environ, **env}, stdout=log_file, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_healthy(base, timeout, alive=lambda: process.poll() is None)
            except RuntimeError as failure:
                raise AssertionError(f"{failure}\n{log_path.read_text()}") from None
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextlib.contextmanager
def live_server(
    index_dir: Path, docs_dir: Path, log_path: Path, env: dict[str, str] | None = None, timeout: float = 120,
) -> Iterator[str]:
    """Run `rag serve` as a real process over these folders (building the index first if it is
    missing); yields its base URL. `env` adds or overrides `RAG_*` settings."""
    folders = {"RAG_INDEX_DIR": str(index_dir), "RAG_DOCS_DIR": str(docs_dir)}
    with serve_process({**folders, **(env or {})}, log_path, timeout) as (base, _):
        yield base


def resident_memory_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")
