"""Finding the passages closest to a question: dense (FAISS), lexical (BM25), fused, speaker-aware."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.query.fusion import found_in, reciprocal_rank_fusion, weighted_fusion
from rag.query.protocols import ReadIndex
from rag.settings import Fusion, RetrievalMode, RetrievalSettings


@dataclass(frozen=True)
class ScoredPassage:
    """A passage position in the index with its fused score and its cosine similarity to the question."""

    position: int
    score: float
    similarity: float


def search(
    index: ReadIndex,
    question: str,
    question_vector: np.ndarray,
    k: int,
    settings: RetrievalSettings,
    *,
    allowed: np.ndarray | None = None,
    boosted: np.ndarray | None = None,
) -> list[ScoredPassage]:
    """Top `k` passages for the question, among `allowed` positions when given.

    `boosted` marks passages (by position) whose speaker the question names.
    """
    if len(index.passages) == 0 or (allowed is not None and len(allowed) == 0):
        return []
    depth = max(k, settings.candidates)
    dense = _dense_ranking(index, question_vector, depth, allowed) if settings.mode is not RetrievalMode.LEXICAL else None
    lexical_scores = index.lexical.scores(question) if settings.mode is not RetrievalMode.DENSE else None
    lexical = _lexical_ranking(lexical_scores, depth, allowed) if lexical_scores is not None else None
    if dense is not None and lexical is not None and lexical_scores is not None and settings.fusion is Fusion.WEIGHTED:
        candidates = np.union1d(dense, lexical)
        # Read from the index's own storage: no second copy of the vectors in memory.
        cosine = index.dense.vectors(candidates) @ question_vector
        fused = weighted_fusion(
            candidates, cosine, found_in(candidates, dense), lexical_scores[candidates], found_in(candidates, lexical),
            settings.dense_weight,
        )
    else:
        fused = reciprocal_rank_fusion([r for r in (dense, lexical) if r is not None], settings.rrf_k)
    if boosted is not None and boosted.any():
        for position in fused:
            if boosted[position]:
                fused[position] += settings.speaker_boost
    best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    positions = np.array([p for p, _ in best], dtype=np.int64)
    similarities = index.dense.vectors(positions) @ question_vector if len(positions) else np.zeros(0)
    return [
        ScoredPassage(int(position), float(score), float(similarity))
        for (position, score), similarity in zip(best, similarities, strict=True)
    ]


def _dense_ranking(index: ReadIndex, question_vector: np.ndarray, depth: int, allowed: np.ndarray | None) -> np.ndarray:
    depth = min(depth, len(index.passages) if allowed is None else len(allowed))
    positions = index.dense.search(question_vector, depth, allowed)
    return positions[positions >= 0]


def _lexical_ranking(scores: np.ndarray, depth: int, allowed: np.ndarray | None) -> np.ndarray:
    if allowed is not None:
        masked = np.full_like(scores, -1.0)
        masked[allowed] = scores[allowed]
        scores = masked
    depth = min(depth, len(scores))
    top = np.argpartition(-scores, depth - 1)[:depth]
    top = top[np.argsort(-scores[top], kind="stable")]
    # Passages sharing no word with the question are not a lexical match at all.
    return top[scores[top] > 0]
