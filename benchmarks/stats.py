"""Arithmetic and machine readings shared by the bench stages: latency summaries, rates, /proc."""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar


from benchmarks.results import LatencySummary, LoadSample, Machine
from rag.evaluation.metrics import percentile

_Item = TypeVar("_Item")

MIN_TIMED = 10
"""Calls `time_each` makes before its time limit may stop it."""


def time_each(operation: Callable[[_Item], object], items: Sequence[_Item], limit_seconds: float) -> list[float]:
    """Seconds of `operation(item)` for each item in turn, stopping after `limit_seconds` (at least `MIN_TIMED`)."""
    seconds: list[float] = []
    deadline = time.monotonic() + limit_seconds
    for item in items:
        if len(seconds) >= MIN_TIMED and time.monotonic() > deadline:
            break
        started = time.perf_counter()
        operation(item)
        seconds.append(time.perf_counter() - started)
    return seconds


def _at(values: Sequence[float], q: float) -> float:
    found = percentile(values, q)
    assert found is not None, "percentile of no values"
    return found


def summarize(seconds: Sequence[float]) -> LatencySummary:
    """Latency percentiles in milliseconds of durations given in seconds."""
    if not seconds:
        return LatencySummary(n=0, p50_ms=math.nan, p95_ms=math.nan, p99_ms=math.nan, mean_ms=math.nan,
                              max_ms=math.nan)
    ms = [s * 1000 for s in seconds]
    return LatencySummary(
        n=len(ms), p50_ms=round(_at(ms, 50), 3), p95_ms=round(_at(ms, 95), 3),
        p99_ms=round(_at(ms, 99), 3), mean_ms=round(sum(ms) / len(ms), 3), max_ms=round(max(ms), 3),
    )


def rate(count: float, seconds: float) -> float:
    """`count` per second (0 when no time passed)."""
    return count / seconds if seconds > 0 else 0.0


def load_sample(stage: str) -> LoadSample:
    """The 1, 5 and 15-minute load averages and the CPU ticks so far, labelled with the stage."""
    one, five, fifteen = os.getloadavg()
    return LoadSample(stage=stage, load1=round(one, 2), load5=round(five, 2), load15=round(fifteen, 2),
                      cpu_ticks=_cpu_ticks())


def _cpu_ticks() -> tuple[int, int] | None:
    """(stolen, all) CPU ticks of the machine since boot, from /proc/stat's `cpu` line."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is
    # already counted in user and nice.
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    ticks = [int(value) for value in fields[1:9]]
    return ticks[7], sum(ticks)


def steal_share(before: LoadSample, after: LoadSample) -> float | None:
    """The share of CPU time stolen by the hypervisor between two samples (None when unknown)."""
    if before.cpu_ticks is None or after.cpu_ticks is None:
        return None
    stolen = after.cpu_ticks[0] - before.cpu_ticks[0]
    total = after.cpu_ticks[1] - before.cpu_ticks[1]
    return stolen / total if total > 0 else None


def machine(runtime: str) -> Machine:
    """Cores, memory and software of this machine."""
    return Machine(
        cpu_model=_cpu_model(),
        cores=len(os.sched_getaffinity(0)),
        memory_bytes=_meminfo("MemTotal"),
        memory_available_bytes=_meminfo("MemAvailable"),
        python=sys.version.split()[0],
        platform=platform.platform(),
        runtime=runtime,
    )


def resident_bytes(pid: int) -> int:
    """Current resident set size of a process (VmRSS)."""
    return _status_kib(pid, "VmRSS") * 1024


def anonymous_resident_bytes(pid: int) -> int:
    """Resident memory not backed by files (RssAnon): what the kernel cannot drop under pressure,
    unlike the pages of memory-mapped index files, which count in VmRSS once read."""
    return _status_kib(pid, "RssAnon") * 1024


def file_resident_bytes(pid: int) -> int:
    """Resident pages of mapped files (RssFile): index files read so far, and shared libraries."""
    return _status_kib(pid, "RssFile") * 1024


def peak_resident_bytes(pid: int) -> int:
    """Peak resident set size of a process so far (VmHWM)."""
    return _status_kib(pid, "VmHWM") * 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces; the fields after its closing parenthesis are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} for process {pid}")


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
