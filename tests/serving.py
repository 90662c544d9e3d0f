"""Running the service for real on 127.0.0.1: in a thread (sharing the test's loaded service) or as
a `rag serve` process (for memory figures of the server alone)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn
from litestar import Litestar

from tests.conftest import REPO, free_port


def wait_until_healthy(base: str, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Poll `/health` until it answers 200 (or fail after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if json.loads(response.read())["status"] == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert alive(), "the server exited while starting"
        assert time.monotonic() < deadline, "the server did not become healthy in time"
        time.sleep(0.2)


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
            except AssertionError as failure:
                raise AssertionError(f"{failure}\n{log_path.read_text()}") from None
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def resident_memory_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")
