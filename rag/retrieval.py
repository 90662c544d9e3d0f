"""Finding the passages closest to a question."""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from rag.index import LoadedIndex


@dataclass(frozen=True)
class ScoredPassage:
    """A passage position in the index with its similarity to the question."""

    position: int
    score: float


def dense_search(
    index: LoadedIndex, question_vector: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> list[ScoredPassage]:
    """Top `k` passages by cosine similarity (vectors are unit length, so inner product),
    among `allowed` positions when given."""
    if allowed is not None and len(allowed) == 0:
        return []
    k = min(k, len(index.passages) if allowed is None else len(allowed))
    params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
    scores, positions = index.passage_index.search(question_vector.reshape(1, -1), k, params=params)
    return [
        ScoredPassage(int(position), float(score))
        for position, score in zip(positions[0], scores[0], strict=True)
        if position >= 0
    ]
