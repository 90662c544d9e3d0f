"""Retrieval metrics, exactly as the peers' scorer (`shared/peers/score.py`) computes them.

* a hit is relevant when it lies in the same document as some evidence span ``e`` and
  ``overlap >= 1 and overlap >= min(0.5 * len(hit), 0.5 * len(e))`` (docs/contracts.md);
* Hit@k and MRR@10 look at the first 10 hits; Cov@B walks *all* hits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from rag.evaluation.files import Sources
from rag.evaluation.types import RANK_CUTOFF, EvidenceSpan, RunHit

_WORD = re.compile(r"\S+")


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Length of the intersection of two half-open spans."""
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def _valid(hit: RunHit) -> bool:
    return 0 <= hit.start <= hit.end


def relevant_spans(hit: RunHit, evidence: Sequence[EvidenceSpan]) -> list[int]:
    """Indices of the evidence spans `hit` is relevant to (docs/contracts.md: half of the shorter)."""
    if not _valid(hit):
        return []
    length = hit.end - hit.start
    found = []
    for i, e in enumerate(evidence):
        if e.doc != hit.doc:
            continue
        shared = overlap(hit.start, hit.end, e.start, e.end)
        if shared >= 1 and shared >= min(0.5 * length, 0.5 * (e.end - e.start)):
            found.append(i)
    return found


def is_relevant(hit: RunHit, evidence: Sequence[EvidenceSpan]) -> bool:
    """A hit is relevant when it overlaps some evidence span of its document by at least
    1 character and at least half of the shorter of the two spans (score.py's rule)."""
    return bool(relevant_spans(hit, evidence))


def first_relevant_rank(
    hits: Sequence[RunHit], evidence: Sequence[EvidenceSpan], cutoff: int = RANK_CUTOFF
) -> int | None:
    """1-based rank of the first relevant hit within `cutoff`, or None."""
    return next((rank for rank, h in enumerate(hits[:cutoff], 1) if is_relevant(h, evidence)), None)


def hit_at(hits: Sequence[RunHit], evidence: Sequence[EvidenceSpan], k: int) -> float:
    """Hit@k: 1.0 when a relevant hit is within the first k (k <= 10)."""
    rank = first_relevant_rank(hits, evidence)
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(hits: Sequence[RunHit], evidence: Sequence[EvidenceSpan], cutoff: int = RANK_CUTOFF) -> float:
    """MRR@cutoff term: 1/rank of the first relevant hit within `cutoff`, else 0 (Voorhees, TREC-8 QA, 1999)."""
    rank = first_relevant_rank(hits, evidence, cutoff)
    return 0.0 if rank is None else 1.0 / rank


def ndcg(hits: Sequence[RunHit], evidence: Sequence[EvidenceSpan], cutoff: int = RANK_CUTOFF) -> float:
    """nDCG@cutoff with binary gains (Järvelin & Kekäläinen, TOIS 2002), log2(rank + 1) discount.

    The relevant items are the evidence spans, not passages (chunkers differ, so the
    number of relevant passages is not fixed). A hit gains 1 when it is relevant to at
    least one evidence span no earlier hit was credited for; it is then credited for
    every span it is relevant to. A second passage inside an already-found span gains 0.
    The ideal DCG puts a gain at each of the first min(cutoff, number of evidence spans)
    ranks, so nDCG stays in [0, 1] and one relevant hit at rank 1 scores 1.0 when there
    is one evidence span.
    """
    credited: set[int] = set()
    dcg = 0.0
    for rank, hit in enumerate(hits[:cutoff], 1):
        new = set(relevant_spans(hit, evidence)) - credited
        if new:
            credited |= new
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(cutoff, len(evidence)) + 1))
    return dcg / ideal if ideal else 0.0


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _intersection(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    i = j = total = 0
    while i < len(a) and j < len(b):
        total += overlap(a[i][0], a[i][1], b[j][0], b[j][1])
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def coverage(hits: Sequence[RunHit], evidence: Sequence[EvidenceSpan], budget: int, sources: Sources) -> float | None:
    """Cov@B, as score.py: the fraction of evidence characters covered by the first `budget` words of the hits.

    Walk the hits in rank order, taking whitespace-separated words of each hit's text
    (read from its source file) until `budget` words in total; the last hit is cut after
    its budget-th word; overlapping hits spend budget again. Coverage is
    |evidence chars inside the taken text| / |evidence chars|, evidence being the union
    of the spans. None when a hit that would be used has no readable text.
    """
    remaining = budget
    taken: dict[str, list[tuple[int, int]]] = {}
    for hit in hits:
        if remaining <= 0:
            break
        source = sources.get(hit.doc) if _valid(hit) else None
        if source is None:
            return None
        text = source[hit.start : hit.end]
        words = list(_WORD.finditer(text))
        if not words:
            continue
        if len(words) <= remaining:
            end = len(text)
            remaining -= len(words)
        else:
            end = words[remaining - 1].end()
            remaining = 0
        taken.setdefault(hit.doc, []).append((hit.start, hit.start + end))
    by_doc: dict[str, list[tuple[int, int]]] = {}
    for e in evidence:
        by_doc.setdefault(e.doc, []).append((e.start, e.end))
    total = covered = 0
    for doc, spans in by_doc.items():
        merged = _merge(spans)
        total += sum(end - start for start, end in merged)
        covered += _intersection(merged, _merge(taken.get(doc, [])))
    return covered / total if total else None
