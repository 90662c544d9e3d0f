"""Value types of the eval harness: gold questions, run rows (docs/contracts.md), metrics, reports."""

from __future__ import annotations

import msgspec

RANK_CUTOFF = 10
"""Hit@k, MRR and nDCG look at this many hits (as score.py)."""
FAILURE_RANK = 5
"""An answerable question fails when no relevant hit is within this many."""
BUDGETS = (100, 300)
"""Word budgets of the coverage metrics."""


class EvidenceSpan(msgspec.Struct, frozen=True):
    """`[start, end)` character offsets into document `doc` read as UTF-8 text."""

    doc: str
    start: int
    end: int


class GoldQuestion(msgspec.Struct, frozen=True):
    """One line of a gold file."""

    id: str
    question: str
    answerable: bool
    answers: list[str] = []
    evidence: list[EvidenceSpan] = []
    kind: str | None = None


class RunHit(msgspec.Struct, frozen=True):
    """A retrieved passage in a run row, in rank order."""

    doc: str
    start: int
    end: int
    score: float


class RunExtract(msgspec.Struct, frozen=True, omit_defaults=True):
    """A cited extract in a run row: `source(doc)[start:end] == text` must hold."""

    doc: str
    start: int
    end: int
    text: str
    speaker: str | None = None
    """The citation's speaker: part of what the user reads ("Fang Hongwei: ...")."""

    def as_read(self) -> str:
        """The extract as the user sees it: speaker, then the quoted text."""
        return f"{self.speaker}: {self.text}" if self.speaker else self.text


class RunRow(msgspec.Struct, frozen=True, omit_defaults=True):
    """One line of a run file (docs/contracts.md), plus what abstention calibration needs."""

    id: str
    hits: list[RunHit]
    abstained: bool
    extracts: list[RunExtract]
    latency_ms: float
    confidence: float | None = None
    """The answer's confidence (best sentence score)."""
    abstain_reason: str | None = None


class Metrics(
    msgspec.Struct,
    frozen=True,
    rename={
        "hit_1": "hit@1", "hit_3": "hit@3", "hit_5": "hit@5", "hit_10": "hit@10", "mrr_10": "mrr@10",
        "ndcg_10": "ndcg@10", "cov_100": "cov@100", "cov_300": "cov@300",
    },
):
    """Metrics of one group of questions; `None` where the metric has no questions to average."""

    n_questions: int
    n_scored: int
    """Answerable questions with evidence: the denominator of the retrieval metrics."""
    n_unanswerable: int
    hit_1: float | None
    hit_3: float | None
    hit_5: float | None
    hit_10: float | None
    mrr_10: float | None
    ndcg_10: float | None
    cov_100: float | None
    cov_300: float | None
    answer_containment: float | None
    """Over answerable questions whose `answers` are quotes: at least one occurs in the
    question's evidence text (see `answer_contained`). Summary-style answers (qmsum) cannot
    occur in verbatim extracts, so those questions are left out and counted in `n_unquoted_answers`."""
    n_with_answers: int
    """Questions counted in `answer_containment`."""
    n_unquoted_answers: int
    """Answerable questions with answers, none of which occurs in their evidence."""
    citation_exactness: float | None
    """Fraction of all extracts with `source[start:end] == text`."""
    n_extracts: int
    abstention_precision: float | None
    """Positive class: the question is unanswerable. Abstained-and-unanswerable / abstained."""
    abstention_recall: float | None
    """Abstained-and-unanswerable / unanswerable."""
    n_abstained: int
    wrongly_refused: int
    """Answerable questions the service abstained on."""
    latency_p50_ms: float | None
    latency_p95_ms: float | None


class Failure(msgspec.Struct, frozen=True):
    """A question the service got wrong, with what came back."""

    id: str
    kind: str | None
    question: str
    reasons: list[str]
    answers: list[str]
    evidence: list[EvidenceSpan]
    abstained: bool
    first_relevant_rank: int | None
    top_hit: RunHit | None
    first_extract: str | None
    """Whitespace-collapsed, truncated to `EXTRACT_PREVIEW` characters."""


EXTRACT_PREVIEW = 160


class ReliabilityBin(msgspec.Struct, frozen=True):
    """Questions whose answer's confidence lies in `[low, high)`, and how often the service was right."""

    low: float
    high: float
    n: int
    """Questions in the bin that can be judged: answerable with quoted answers, or unanswerable."""
    n_unanswerable: int
    correct: float | None
    """Share right: an answerable question answered with a gold answer in its extracts, or an
    unanswerable one abstained on."""


class Report(msgspec.Struct, frozen=True):
    """The outcome of scoring a run: overall and per-kind metrics, and the failed questions."""

    gold: str
    docs: str
    k: int | None
    overall: Metrics
    by_kind: dict[str, Metrics]
    """Only questions that have a `kind`; empty when the gold file has none."""
    failures: list[Failure]
    reliability: list[ReliabilityBin] = []
    """The share of right answers at each confidence level (empty when the run has no confidences)."""


class EvalOutcome(msgspec.Struct, frozen=True):
    """What `run_eval` returns: the run rows (for `--run-out`) and the report."""

    rows: list[RunRow]
    report: Report


class Delta(msgspec.Struct, frozen=True):
    """One metric in two reports; `delta` is `new - old` when both are numbers."""

    metric: str
    old: float | None
    new: float | None
    delta: float | None


class Violation(msgspec.Struct, frozen=True):
    """A metric below its threshold (`value` is None when the report has no value for it)."""

    metric: str
    threshold: float
    value: float | None

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:.4f}"
        return f"{self.metric} = {shown}, below the threshold {self.threshold:.4f}"
