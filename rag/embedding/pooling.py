"""Vectors for character spans inside a text, pooled from the same pass's token embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Span = tuple[int, int]


@dataclass(frozen=True)
class SpanVectors:
    """What one encoder pass gives for texts and character spans inside them."""

    texts: np.ndarray
    """One unit vector per text: what `embed` gives."""
    spans: list[np.ndarray]
    """Per text, one unit vector per span: the mean of the contextual token embeddings inside it."""
    found: list[np.ndarray]
    """Per text, whether each span had tokens (False: it lies past the model's window)."""


def pool_spans(
    tokens: np.ndarray, offsets: np.ndarray, real: np.ndarray, spans: Sequence[Span]
) -> tuple[np.ndarray, np.ndarray]:
    """Unit mean of the token embeddings overlapping each character span, and which spans had any."""
    if not spans:
        return np.zeros((0, tokens.shape[1]), dtype=np.float32), np.zeros(0, dtype=bool)
    bounds = np.asarray(spans, dtype=np.int64)
    # [spans, tokens]: a real token whose characters overlap the span.
    inside = real[None, :] & (offsets[None, :, 0] < bounds[:, 1:2]) & (offsets[None, :, 1] > bounds[:, 0:1])
    counts = inside.sum(axis=1)
    # A sum per span, not `inside @ tokens`: that small product wakes BLAS's own threads, which
    # then spin against the encoder's on the same cores (a build's pass ran at 92-95% of the bare
    # encoder with it, 97-98% with BLAS held to one thread).
    sums = np.stack([tokens[mask].sum(axis=0) for mask in inside])
    pooled = sums / np.maximum(counts, 1)[:, None]
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled.astype(np.float32), counts > 0


def mean_pooled(tokens: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Unit mean of each text's token embeddings (`tokens` [texts, tokens, dimension]) over its
    real tokens (`attention_mask` [texts, tokens], 1 for a token, 0 for padding): what the
    sentence-transformers models we serve compute with their mean Pooling and Normalize modules."""
    mask = attention_mask.astype(np.float32)
    # `einsum` sums in its own loop: no BLAS call, whose threads would spin against the encoder's.
    sums = np.einsum("btd,bt->bd", tokens, mask)
    pooled = sums / np.maximum(mask.sum(axis=1), 1e-9)[:, None]
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(pooled, dtype=np.float32)
