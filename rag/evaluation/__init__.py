"""Eval harness: gold files, run files, retrieval and answer metrics, and the threshold gate.

Formats are those of docs/contracts.md. Retrieval metrics are computed exactly as the peers'
scorer (`shared/peers/score.py`), so numbers are comparable with the LlamaIndex and
Haystack baselines.
"""

from rag.evaluation.files import DocsFolder, Sources, load_gold, read_run, write_run
from rag.evaluation.gate import (
    check_thresholds,
    compare,
    flatten_metrics,
    load_report,
    load_thresholds,
    report_to_json,
)
from rag.evaluation.metrics import (
    answer_contained,
    answer_is_quoted,
    citation_exact,
    compute_metrics,
    evaluate,
    find_failures,
    normalise,
    percentile,
    validate_gold,
)
from rag.evaluation.relevance import (
    coverage,
    first_relevant_rank,
    hit_at,
    is_relevant,
    ndcg,
    overlap,
    reciprocal_rank,
    relevant_spans,
)
from rag.evaluation.runner import run_eval, run_questions
from rag.evaluation.text import format_deltas, format_failure, format_metrics_table, format_reliability
from rag.evaluation.types import (
    BUDGETS,
    EXTRACT_PREVIEW,
    FAILURE_RANK,
    RANK_CUTOFF,
    Delta,
    EvalOutcome,
    EvidenceSpan,
    Failure,
    GoldQuestion,
    Metrics,
    Report,
    RunExtract,
    RunHit,
    RunRow,
    Violation,
)

__all__ = [
    "BUDGETS", "EXTRACT_PREVIEW", "FAILURE_RANK", "RANK_CUTOFF", "Delta", "DocsFolder", "EvalOutcome",
    "EvidenceSpan", "Failure", "GoldQuestion", "Metrics", "Report", "RunExtract", "RunHit", "RunRow", "Sources",
    "Violation", "answer_contained", "answer_is_quoted", "check_thresholds", "citation_exact", "compare",
    "compute_metrics", "coverage", "evaluate", "find_failures", "first_relevant_rank", "flatten_metrics",
    "format_deltas", "format_failure", "format_metrics_table", "format_reliability", "hit_at", "is_relevant", "load_gold",
    "load_report", "load_thresholds", "ndcg", "normalise", "overlap", "percentile", "read_run", "reciprocal_rank",
    "relevant_spans", "report_to_json", "run_eval", "run_questions", "validate_gold", "write_run",
]
