"""`rag bench`: index build speed, HTTP latency and throughput, scale, and the peers, in one report."""

from benchmarks.http_load import LoadPlan
from benchmarks.report import read_result, render_markdown, write_report
from benchmarks.results import BenchResult
from benchmarks.runner import STAGES, BenchOptions, quick_options, run_bench
from benchmarks.scale import ScalePlan

__all__ = [
    "STAGES",
    "BenchOptions",
    "BenchResult",
    "LoadPlan",
    "ScalePlan",
    "quick_options",
    "read_result",
    "render_markdown",
    "run_bench",
    "write_report",
]
