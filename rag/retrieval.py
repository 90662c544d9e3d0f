"""Finding the passages closest to a question."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.index import LoadedIndex


@dataclass(frozen=True)
class ScoredPassage:
    """A passage position in the index with its similarity to the question."""

    position: int
    score: float


def dense_search(index: LoadedIndex, question_vector: np.ndarray, k: int) -> list[ScoredPassage]:
    """Top `k` passages by cosine similarity (vectors are unit length, so inner product)."""
    k = min(k, len(index.passages))
    scores, positions = index.passage_index.search(question_vector.reshape(1, -1), k)
    return [
        ScoredPassage(int(position), float(score))
        for position, score in zip(positions[0], scores[0], strict=True)
        if position >= 0
    ]
