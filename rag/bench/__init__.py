"""`rag bench`: index build speed, HTTP latency and throughput, scale, and the peers, in one report."""

from rag.bench.http_load import LoadPlan
from rag.bench.report import read_result, render_markdown, write_report
from rag.bench.results import BenchResult
from rag.bench.runner import STAGES, BenchOptions, quick_options, run_bench
from rag.bench.scale import ScalePlan

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
