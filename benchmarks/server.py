"""A `rag serve` process on 127.0.0.1 for the HTTP figures, started the way the tests start one."""

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RunningServer:
    """A live server: where to reach it, its process id and how long it took to answer `/health`."""

    base_url: str
    pid: int
    start_seconds: float
    passages: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(
    index_dir: Path, docs_dir: Path, log_path: Path, timeout: float = 900, settings: Mapping[str, str] | None = None
) -> Iterator[RunningServer]:
    """Run `python -m rag.cli serve` over these folders until the block ends; yields the running server.

    Rate limits, API keys and the question cache are switched off: the figures are for the
    answering path, and the load repeats the gold questions, which the cache would answer. The
    index should exist already (the build stage makes it); otherwise the server builds it
    first, which `timeout` allows for. `settings` are further `RAG_*` variables for the server.
    """
    port = free_port()
    env = dict(os.environ, RAG_INDEX_DIR=str(index_dir), RAG_DOCS_DIR=str(docs_dir), RAG_HOST=HOST,
               RAG_RATE_LIMIT_PER_MINUTE="0", RAG_API_KEYS="", RAG_QUESTION_CACHE_SIZE="0", **(settings or {}))
    base = f"http://{HOST}:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log_file:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "serve", "--host", HOST, "--port", str(port)],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            try:
                health = wait_until_healthy(base, timeout, alive=lambda: process.poll() is None)
            except RuntimeError as exc:
                raise RuntimeError(f"rag serve: {exc} (exit code {process.poll()}):\n{_tail(log_path)}") from None
            passages = int(str(health.get("passages", 0)))
            yield RunningServer(base, process.pid, time.perf_counter() - started, passages)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def wait_until_healthy(base: str, timeout: float, alive: Callable[[], bool] = lambda: True) -> dict[str, object]:
    """Poll `base`/health until it answers `status: ok` and return that body.

    RuntimeError when `alive()` turns False (the server died) or after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                health: dict[str, object] = json.loads(response.read())
                if health.get("status") == "ok":
                    return health
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if not alive():
            raise RuntimeError("the server exited while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer /health within {timeout:.0f} s")
        # Short: the start time of the serving process is a target, measured to this poll.
        time.sleep(0.05)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
