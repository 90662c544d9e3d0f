"""Finding the passages closest to a question: dense (FAISS), lexical (BM25), fused, speaker-aware."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.ann import DENSE_DEPTH
from rag.config import Fusion, RetrievalMode, Settings
from rag.index import LoadedIndex


@dataclass(frozen=True)
class RetrievalSettings:
    """How rankings are combined (tuned on the eval; see eval/REPORT.md)."""

    mode: RetrievalMode = RetrievalMode.HYBRID
    fusion: Fusion = Fusion.WEIGHTED
    candidates: int = DENSE_DEPTH
    """Passages taken from each ranking before fusion."""
    dense_weight: float = 0.5
    """Weighted fusion: share of the dense score (the rest is BM25)."""
    rrf_k: int = 60
    """Reciprocal rank fusion constant (Cormack et al., SIGIR 2009)."""
    speaker_boost: float = 0.02
    """Added to the fused score of passages where a speaker the question names speaks."""

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrievalSettings:
        """The retrieval part of the service settings."""
        return cls(
            mode=settings.retrieval_mode, fusion=settings.fusion, dense_weight=settings.dense_weight,
            speaker_boost=settings.speaker_boost,
        )


@dataclass(frozen=True)
class ScoredPassage:
    """A passage position in the index with its fused score and its cosine similarity to the question."""

    position: int
    score: float
    similarity: float


def search(
    index: LoadedIndex,
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
    if allowed is not None and len(allowed) == 0:
        return []
    depth = max(k, settings.candidates)
    dense = _dense_ranking(index, question_vector, depth, allowed) if settings.mode is not RetrievalMode.LEXICAL else None
    lexical_scores = index.lexical.scores(question) if settings.mode is not RetrievalMode.DENSE else None
    lexical = _lexical_ranking(lexical_scores, depth, allowed) if lexical_scores is not None else None
    if dense is not None and lexical is not None and settings.fusion is Fusion.WEIGHTED:
        fused = weighted_fusion(index, question_vector, dense, lexical, lexical_scores, settings.dense_weight)
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


def weighted_fusion(
    index: LoadedIndex,
    question_vector: np.ndarray,
    dense: np.ndarray,
    lexical: np.ndarray,
    lexical_scores: np.ndarray,
    dense_weight: float,
) -> dict[int, float]:
    """Convex mix of the two scores, each scaled to [0, 1] from the weakest to the best of its candidates.

    Min-max normalisation over each retriever's own candidate list (Lee, "Analyses of
    multiple evidence combination", SIGIR 1997); scaling to the candidate floor, not zero,
    keeps one ranking's flat tail from drowning the other's.
    """
    candidates = np.union1d(dense, lexical)
    # Read from the index's own storage: no second copy of the vectors in memory.
    cosine = index.dense.vectors(candidates) @ question_vector
    # The dense candidates' own scores are a subset of `cosine`: no second product needed.
    dense_cosine = cosine[np.isin(candidates, dense)] if len(dense) else np.zeros(1)
    mixed = dense_weight * _scaled(cosine, dense_cosine.min(), dense_cosine.max())
    if len(lexical):
        top = lexical_scores[lexical]
        mixed += (1 - dense_weight) * _scaled(lexical_scores[candidates], top.min(), top.max())
    return dict(zip(candidates.tolist(), mixed.tolist(), strict=True))


def _scaled(values: np.ndarray, floor: float, best: float) -> np.ndarray:
    if best <= floor:
        return (values >= best).astype(np.float64)
    return np.clip((values - floor) / (best - floor), 0.0, None)


def reciprocal_rank_fusion(rankings: list[np.ndarray], k: int) -> dict[int, float]:
    """Sum of 1 / (k + rank) over the rankings each item appears in (rank from 1).

    Cormack, Clarke and Buettcher, "Reciprocal rank fusion outperforms Condorcet and
    individual rank learning methods", SIGIR 2009.
    """
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, position in enumerate(ranking.tolist(), start=1):
            fused[position] = fused.get(position, 0.0) + 1.0 / (k + rank)
    return fused


def _dense_ranking(index: LoadedIndex, question_vector: np.ndarray, depth: int, allowed: np.ndarray | None) -> np.ndarray:
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
