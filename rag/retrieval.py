"""Finding the passages closest to a question: dense (FAISS), lexical (BM25), fused, speaker-aware."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import faiss
import numpy as np

from rag.errors import ConfigError
from rag.index import LoadedIndex


class RetrievalMode(str, enum.Enum):
    """Which rankings are used."""

    DENSE = "dense"
    LEXICAL = "lexical"
    HYBRID = "hybrid"

    @classmethod
    def parse(cls, value: str) -> RetrievalMode:
        """The mode named `value`; the error lists the valid ones."""
        try:
            return cls(value.lower())
        except ValueError:
            raise ConfigError(f"retrieval mode {value!r} is not one of {[m.value for m in cls]}") from None


@dataclass(frozen=True)
class RetrievalSettings:
    """How rankings are combined (tuned on the eval; see eval/REPORT.md)."""

    mode: RetrievalMode = RetrievalMode.HYBRID
    candidates: int = 100
    """Passages taken from each ranking before fusion."""
    rrf_k: int = 60
    """Reciprocal rank fusion constant (Cormack et al., SIGIR 2009)."""
    speaker_boost: float = 0.02
    """Added to the fused score of turns by a speaker the question names (one top rank is 1/(rrf_k+1))."""


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
    rankings: list[np.ndarray] = []
    if settings.mode is not RetrievalMode.LEXICAL:
        rankings.append(_dense_ranking(index, question_vector, depth, allowed))
    if settings.mode is not RetrievalMode.DENSE:
        rankings.append(_lexical_ranking(index, question, depth, allowed))
    fused = reciprocal_rank_fusion(rankings, settings.rrf_k)
    if boosted is not None and boosted.any():
        for position in fused:
            if boosted[position]:
                fused[position] += settings.speaker_boost
    best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    positions = np.array([p for p, _ in best], dtype=np.int64)
    similarities = index.passage_vectors[positions] @ question_vector if len(positions) else np.zeros(0)
    return [
        ScoredPassage(int(position), float(score), float(similarity))
        for (position, score), similarity in zip(best, similarities, strict=True)
    ]


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
    params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
    _, positions = index.passage_index.search(question_vector.reshape(1, -1), depth, params=params)
    return positions[0][positions[0] >= 0]


def _lexical_ranking(index: LoadedIndex, question: str, depth: int, allowed: np.ndarray | None) -> np.ndarray:
    scores = index.lexical.scores(question)
    if allowed is not None:
        masked = np.full_like(scores, -1.0)
        masked[allowed] = scores[allowed]
        scores = masked
    depth = min(depth, len(scores))
    top = np.argpartition(-scores, depth - 1)[:depth]
    top = top[np.argsort(-scores[top], kind="stable")]
    # Passages sharing no word with the question are not a lexical match at all.
    return top[scores[top] > 0]
