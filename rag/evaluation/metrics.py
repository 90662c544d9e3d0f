"""Metric arithmetic: pure functions of gold questions, run rows and source texts.

Formats are those of docs/contracts.md (gold file, run file). Retrieval metrics are computed
exactly as the peers' scorer (`shared/peers/score.py`) computes them, so numbers are
comparable with the LlamaIndex and Haystack baselines:

* scored questions are gold lines with ``answerable: true`` and non-empty evidence;
  a scored question missing from the run counts as a miss;
* a hit is relevant when it lies in the same document as some evidence span ``e`` and
  ``overlap >= 1 and overlap >= min(0.5 * len(hit), 0.5 * len(e))``;
* Hit@k and MRR@10 look at the first 10 hits; Cov@B walks *all* hits.

Everything here is a pure function of the gold questions, the run rows and the
source texts; the per-hit relevance arithmetic is in `rag.evaluation.relevance`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rag.evaluation.files import Sources
from rag.evaluation.relevance import coverage, first_relevant_rank, ndcg
from rag.evaluation.types import (
    BUDGETS,
    EXTRACT_PREVIEW,
    FAILURE_RANK,
    Failure,
    GoldQuestion,
    Metrics,
    ReliabilityBin,
    Report,
    RunExtract,
    RunRow,
)

def normalise(text: str) -> str:
    """Case-folded, with every run of whitespace replaced by one space and the ends stripped."""
    return " ".join(text.split()).casefold()


def answer_contained(answers: Sequence[str], extract_texts: Sequence[str]) -> bool:
    """True when some answer occurs in the extracts' texts joined by a space.

    Matching is case-insensitive and whitespace-normalised (`normalise` on both sides),
    so a line break in the source matches a space in the answer. Empty answers never match.
    """
    haystack = normalise(" ".join(extract_texts))
    return any(normalise(a) and normalise(a) in haystack for a in answers)


def citation_exact(extract: RunExtract, sources: Sources) -> bool:
    """True when `source(extract.doc)[start:end] == extract.text` exactly."""
    source = sources.get(extract.doc)
    if source is None or not 0 <= extract.start <= extract.end:
        return False
    return source[extract.start : extract.end] == extract.text


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolation percentile, `p` in 0..100 (numpy's default, as the peers); None for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be in [0, 100], got {p}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100.0
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def answer_is_quoted(q: GoldQuestion, sources: Sources) -> bool:
    """True when some answer of `q` occurs in its evidence text, so a verbatim extract can contain it."""
    texts = [text[e.start : e.end] for e in q.evidence if (text := sources.get(e.doc)) is not None]
    return bool(q.answers) and answer_contained(q.answers, texts)


def compute_metrics(gold: Sequence[GoldQuestion], rows: Mapping[str, RunRow], sources: Sources) -> Metrics:
    """All metrics over `gold`; `rows` maps question id to its run row (a missing row is a miss)."""
    ranks: list[int | None] = []
    ndcgs: list[float] = []
    covs: dict[int, list[float]] = {b: [] for b in BUDGETS}
    contained: list[float] = []
    exact: list[bool] = []
    latencies: list[float] = []
    true_abstain = false_abstain = unanswerable = abstained = unquoted = 0
    for q in gold:
        row = rows.get(q.id)
        hits = row.hits if row else []
        if row is not None:
            latencies.append(row.latency_ms)
            exact.extend(citation_exact(x, sources) for x in row.extracts)
            abstained += row.abstained
        if not q.answerable:
            unanswerable += 1
            true_abstain += bool(row and row.abstained)
            continue
        false_abstain += bool(row and row.abstained)
        if q.evidence:
            ranks.append(first_relevant_rank(hits, q.evidence))
            ndcgs.append(ndcg(hits, q.evidence))
            for b in BUDGETS:
                value = coverage(hits, q.evidence, b, sources)
                if value is not None:
                    covs[b].append(value)
        if q.answers and not answer_is_quoted(q, sources):
            unquoted += 1
        elif q.answers:
            texts = [x.as_read() for x in row.extracts] if row else []
            contained.append(1.0 if answer_contained(q.answers, texts) else 0.0)

    def hit(k: int) -> float | None:
        return _mean([1.0 if r is not None and r <= k else 0.0 for r in ranks])

    return Metrics(
        n_questions=len(gold), n_scored=len(ranks), n_unanswerable=unanswerable,
        hit_1=hit(1), hit_3=hit(3), hit_5=hit(5), hit_10=hit(10),
        mrr_10=_mean([0.0 if r is None else 1.0 / r for r in ranks]), ndcg_10=_mean(ndcgs),
        cov_100=_mean(covs[100]), cov_300=_mean(covs[300]),
        answer_containment=_mean(contained), n_with_answers=len(contained), n_unquoted_answers=unquoted,
        citation_exactness=_mean([1.0 if e else 0.0 for e in exact]), n_extracts=len(exact),
        abstention_precision=_ratio(true_abstain, abstained), abstention_recall=_ratio(true_abstain, unanswerable),
        n_abstained=abstained, wrongly_refused=false_abstain,
        latency_p50_ms=percentile(latencies, 50), latency_p95_ms=percentile(latencies, 95),
    )


def find_failures(gold: Sequence[GoldQuestion], rows: Mapping[str, RunRow], sources: Sources) -> list[Failure]:
    """Answerable questions with no relevant hit in the top 5 or the answer not contained
    (quoted answers only, as `answer_containment`); unanswerable questions the service did not abstain on."""
    failures = []
    for q in gold:
        row = rows.get(q.id)
        hits = row.hits if row else []
        rank = first_relevant_rank(hits, q.evidence) if q.evidence else None
        reasons = []
        if row is None:
            reasons.append("missing from the run")
        if q.answerable:
            if row and row.abstained:
                reasons.append("abstained")
            if q.evidence and (rank is None or rank > FAILURE_RANK):
                reasons.append(f"no relevant hit in top {FAILURE_RANK}")
            texts = [x.as_read() for x in row.extracts] if row else []
            if answer_is_quoted(q, sources) and not answer_contained(q.answers, texts):
                reasons.append("answer not contained")
        elif row and not row.abstained:
            reasons.append("answered an unanswerable question")
        if reasons:
            first = " ".join(row.extracts[0].text.split()) if row and row.extracts else None
            if first and len(first) > EXTRACT_PREVIEW:
                first = first[: EXTRACT_PREVIEW - 1] + "…"
            failures.append(Failure(
                id=q.id, kind=q.kind, question=q.question, reasons=reasons, answers=q.answers, evidence=q.evidence,
                abstained=bool(row and row.abstained), first_relevant_rank=rank,
                top_hit=hits[0] if hits else None, first_extract=first,
            ))
    return failures


def evaluate(
    gold: Sequence[GoldQuestion], rows: Sequence[RunRow], sources: Sources, *,
    gold_name: str = "", docs_name: str = "", k: int | None = None,
) -> Report:
    """Score run rows against gold: metrics overall and per `kind`, and the failed questions."""
    by_id = {row.id: row for row in rows}
    kinds = sorted({q.kind for q in gold if q.kind is not None})
    return Report(
        gold=gold_name, docs=docs_name, k=k,
        overall=compute_metrics(gold, by_id, sources),
        by_kind={kind: compute_metrics([q for q in gold if q.kind == kind], by_id, sources) for kind in kinds},
        failures=find_failures(gold, by_id, sources),
        reliability=reliability(gold, by_id, sources),
    )


RELIABILITY_EDGES = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def reliability(gold: Sequence[GoldQuestion], rows: Mapping[str, RunRow], sources: Sources) -> list[ReliabilityBin]:
    """The share of right answers per confidence bin (`RELIABILITY_EDGES`; the last bin includes 1.0).

    Right: an answerable question with quoted answers, not abstained on, a gold answer in its
    extracts; an unanswerable question abstained on. Other questions cannot be judged and are left out.
    """
    judged: list[tuple[float, bool, bool]] = []
    for q in gold:
        row = rows.get(q.id)
        if row is None or row.confidence is None:
            continue
        if not q.answerable:
            judged.append((row.confidence, row.abstained, True))
        elif q.answers and answer_is_quoted(q, sources):
            right = not row.abstained and answer_contained(q.answers, [x.as_read() for x in row.extracts])
            judged.append((row.confidence, right, False))
    bins = []
    for low, high in zip(RELIABILITY_EDGES, RELIABILITY_EDGES[1:]):
        last = high == RELIABILITY_EDGES[-1]
        inside = [(right, unanswerable) for c, right, unanswerable in judged if low <= c < high or (last and c == high)]
        if inside:
            bins.append(ReliabilityBin(
                low=low, high=high, n=len(inside), n_unanswerable=sum(u for _, u in inside),
                correct=sum(r for r, _ in inside) / len(inside),
            ))
    return bins


def validate_gold(gold: Sequence[GoldQuestion], sources: Sources, *, check_answers: bool = True) -> list[str]:
    """Problems of a gold set against its corpus: evidence outside its file, answers not in the evidence.

    With `check_answers`, every answer must occur in one of its question's evidence spans
    (case-insensitive, whitespace-normalised, as `answer_contained`). Benchmarks whose
    answers are summaries (qmsum) pass `check_answers=False`.
    """
    problems = []
    for q in gold:
        texts = []
        for span in q.evidence:
            source = sources.get(span.doc)
            if source is None:
                problems.append(f"{q.id}: evidence document {span.doc!r} not found")
            elif span.end > len(source):
                where = f"{span.doc}[{span.start}:{span.end}]"
                problems.append(f"{q.id}: evidence {where} ends past the file ({len(source)})")
            else:
                texts.append(source[span.start : span.end])
        if check_answers:
            for answer in q.answers:
                if not answer_contained([answer], texts):
                    problems.append(f"{q.id}: answer {answer!r} is not inside its evidence")
    return problems
