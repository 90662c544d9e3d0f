"""The peer baselines (LlamaIndex, Haystack) on the same corpora, in the same run.

Each peer script (`../shared/peers/*_peer.py`) runs in its own venv under `$PEER_VENVS`,
one after the other (never alongside the service's measurements), and writes a
`.meta.json` sidecar whose figures are read here: index build seconds, retrieval latency
per question (embedding included), passages and peak RSS.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from benchmarks.results import PeerResult
from benchmarks.stats import peak_resident_bytes, summarize

PEERS = ("llamaindex", "haystack")
# run_peers.sh holds this lock while it runs; waiting on it keeps two peer runs from overlapping.
_LOCK_NAME = ".run_peers.lock"


def run_peers(
    corpora: Sequence[tuple[str, Path, list[tuple[str, str]]]], venvs: Path, peers_dir: Path, out_dir: Path, *,
    k: int = 10, timeout: float = 600, lock_wait: float = 300,
    ours: Mapping[str, Callable[[], list[float]]] | None = None,
) -> list[PeerResult]:
    """Run every peer whose venv exists on every (name, docs folder, [(id, question)]) corpus.

    `ours[name]`, when given, times this service on that corpus (seconds per question): it runs
    right before and right after each peer, and the two together are the peer's `ours_beside`."""
    results: list[PeerResult] = []
    if not venvs.is_dir():
        return [PeerResult(peer, name, "skipped", f"no folder {venvs}") for name, _, _ in corpora for peer in PEERS]
    with _peer_lock(venvs / _LOCK_NAME, lock_wait) as locked:
        for name, docs, questions in corpora:
            gold = out_dir / name / "gold.jsonl"
            gold.parent.mkdir(parents=True, exist_ok=True)
            gold.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in questions))
            for peer in PEERS:
                if not locked:
                    results.append(PeerResult(peer, name, "skipped", f"{venvs / _LOCK_NAME} stayed locked"))
                    continue
                timed = ours.get(name) if ours and _missing(peer, venvs, peers_dir) is None else None
                before = timed() if timed else []
                result = _run_one(peer, name, docs, gold, venvs, peers_dir, out_dir / name, k, timeout)
                if timed and result.status == "ok":
                    result = dataclasses.replace(result, ours_beside=summarize(before + timed()))
                results.append(result)
    return results


def read_meta(peer: str, corpus: str, meta_path: Path, wall_seconds: float | None = None) -> PeerResult:
    """A peer's figures from its `.meta.json` sidecar."""
    meta = json.loads(meta_path.read_text())
    latency = meta.get("query_latency_ms") or {}
    return PeerResult(
        peer=peer, corpus=corpus, status="ok",
        n_passages=meta.get("n_passages"), n_questions=meta.get("n_questions"),
        index_build_seconds=meta.get("index_build_seconds"), model_load_seconds=meta.get("model_load_seconds"),
        query_p50_ms=latency.get("p50"), query_p95_ms=latency.get("p95"), peak_rss_mb=meta.get("peak_rss_mb"),
        wall_seconds=round(wall_seconds, 1) if wall_seconds is not None else None,
    )


def _run_one(
    peer: str, corpus: str, docs: Path, gold: Path, venvs: Path, peers_dir: Path, out_dir: Path, k: int,
    timeout: float,
) -> PeerResult:
    missing = _missing(peer, venvs, peers_dir)
    if missing is not None:
        return PeerResult(peer, corpus, "skipped", missing)
    python, script = venvs / peer / "bin" / "python", peers_dir / f"{peer}_peer.py"
    run = out_dir / f"{peer}.jsonl"
    meta = run.with_name(run.name + ".meta.json")
    meta.unlink(missing_ok=True)
    log = out_dir / f"{peer}.log"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HAYSTACK_TELEMETRY_ENABLED="False")
    started = time.perf_counter()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [str(python), str(script), "--docs", str(docs.resolve()), "--gold", str(gold), "--out", str(run),
             "--k", str(k)],
            stdout=log_file, stderr=subprocess.STDOUT, env=env,
        )
        peak, timed_out = _watch(process, timeout)
    wall = time.perf_counter() - started
    if timed_out:
        return PeerResult(peer, corpus, "failed", f"timed out after {timeout:.0f} s (log: {log})")
    if process.returncode != 0 or not meta.is_file():
        return PeerResult(peer, corpus, "failed", f"exit {process.returncode} (log: {log})")
    result = read_meta(peer, corpus, meta, wall)
    return dataclasses.replace(result, peak_rss_mb=round(peak / 2**20, 1) if peak else None,
                               sidecar_peak_rss_mb=result.peak_rss_mb)


def _missing(peer: str, venvs: Path, peers_dir: Path) -> str | None:
    """Why `peer` cannot run (no venv, no script), or None."""
    if not (venvs / peer / "bin" / "python").is_file():
        return f"no venv at {venvs / peer}"
    if not (script := peers_dir / f"{peer}_peer.py").is_file():
        return f"no script {script}"
    return None


def _watch(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, bool]:
    """Wait for `process` (killed after `timeout`), polling its peak RSS: (last VmHWM read, timed out).

    The peers report `ru_maxrss`, which Linux carries over from the parent at fork and exec,
    so a peer started by a large process would report that process's peak; VmHWM is the
    peer's own address space only.
    """
    deadline = time.monotonic() + timeout
    peak = 0
    while process.poll() is None:
        with contextlib.suppress(OSError, RuntimeError):
            peak = max(peak, peak_resident_bytes(process.pid))
        if time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=30)
            return peak, True
        time.sleep(0.25)
    return peak, False


@contextlib.contextmanager
def _peer_lock(path: Path, wait: float) -> Iterator[bool]:
    """Hold the peers' run lock, waiting up to `wait` seconds; yields whether it was taken."""
    with path.open("a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(2)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
