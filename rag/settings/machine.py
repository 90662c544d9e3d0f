"""Thread defaults that fit the machine the process runs on.

A count tuned on one CPU is wrong on another, and a container may get fewer cores than the host
shows. So the defaults come from the CPUs this process may use (its affinity mask, capped by a
cgroup CPU quota), read when settings are made; a `RAG_*` variable still overrides each one.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
from dataclasses import dataclass
from pathlib import Path

# A question is a few dozen wordpieces: a forward pass gains from a second thread on some CPUs
# (1.3x on a 2-core Xeon without AMX) and loses on others (0.85x on one with it), and each
# further thread mostly waits. More cores serve more questions at once instead, as lanes.
MAX_QUESTION_THREADS = 2
_CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
_CGROUP_V1 = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


@dataclass(frozen=True)
class ThreadPlan:
    """How many threads each kind of work gets on a machine of `cores` usable CPUs."""

    cores: int
    build_threads: int
    """Embedding runtime threads while indexing: every core (one large batch at a time)."""
    query_threads: int
    """Embedding runtime threads per model call while answering."""
    query_lanes: int
    """Model calls that may run at once while answering: the cores the calls leave free."""
    query_spinning: bool
    """Whether the model's idle threads busy-wait for work while answering: only when a core is
    left over for the event loop and each request's own Python work."""


def usable_cores() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota (rounded up)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_quota()
    return max(1, min(cores, math.ceil(quota)) if quota else cores)


def thread_plan(
    cores: int | None = None, query_threads: int | None = None, query_lanes: int | None = None,
) -> ThreadPlan:
    """The threads for `cores` usable CPUs (this machine's when None) with `query_threads` per
    question (the most worth trying, `MAX_QUESTION_THREADS`, when None) and `query_lanes` at once
    (when None, as many as fill the cores)."""
    cores = usable_cores() if cores is None else max(1, cores)
    query_threads = min(cores, query_threads or MAX_QUESTION_THREADS)
    query_lanes = query_lanes or max(1, cores // query_threads)
    # A spinning ONNX Runtime worker holds a core between a call's steps and for a while after
    # it. With no core to spare it competes with the server's own threads: on 2 cores it burnt
    # 5 CPU-ms of a 15 CPU-ms question for no faster answer, and cost 13% of the answers per
    # second at 8 clients (README "Speed").
    return ThreadPlan(cores=cores, build_threads=cores, query_threads=query_threads, query_lanes=query_lanes,
                      query_spinning=cores > query_threads * query_lanes)


def cpu_name() -> str:
    """The CPU's model name as the kernel reports it ("unknown CPU" when it cannot be read)."""
    return _cpuinfo().get("model name") or platform.processor() or "unknown CPU"


def cpu_signature() -> str:
    """The CPU's model name and a digest of its feature flags: virtual machines often report a
    generic name ("Intel(R) Xeon(R) Processor") for CPUs that differ in what matters here (AMX,
    VNNI), and the flags tell them apart."""
    flags = _cpuinfo().get("flags", "")
    return f"{cpu_name()} [{hashlib.sha256(flags.encode()).hexdigest()[:8]}]"


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields in /proc/cpuinfo (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fields
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def _cgroup_quota() -> float | None:
    """CPUs a cgroup quota allows (`quota / period`), None when there is none or it cannot be read."""
    try:
        if _CGROUP_V2.is_file():
            quota, period = _CGROUP_V2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        quota_file, period_file = _CGROUP_V1
        if quota_file.is_file():
            quota_us = int(quota_file.read_text())
            return None if quota_us <= 0 else quota_us / int(period_file.read_text())
    except (OSError, ValueError):
        return None
    return None
