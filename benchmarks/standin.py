"""A stand-in embedder for the large-server stage: the real pipeline at 100k passages in about a minute.

Embedding 100k passages with the model takes about half an hour on two cores. The stand-in
gives every word a fixed random vector (a hashing trick over 32k buckets) and a text the
sum of its words' vectors, plus seeded noise so that copies of one document are near, not
equal. Texts that share words get nearby vectors, so the FAISS index the build chooses and
calibrates has the structure of a text corpus, and sentence spans are pooled from the same
word vectors, as the model pools token embeddings. The vectors carry no meaning a real
question could match: the stage measures memory and latency, never answers.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from rag.embedding import ResolvedModel, Span, SpanVectors

_WORD = re.compile(r"\w+")
_BUCKETS = 1 << 15
_NOISE = 0.3
"""Length of the random unit vector added to each normalised text vector."""


class StandInEmbedder:
    """An `Embedder` with the real model's identity, so the index it builds is one `rag serve` accepts."""

    def __init__(self, model: ResolvedModel, dimension: int, seed: int = 0) -> None:
        self.model = model
        self.dimension = dimension
        self._words = np.random.default_rng(seed).standard_normal((_BUCKETS, dimension), dtype=np.float32)
        self._noise = np.random.default_rng(seed + 1)
        self._buckets: dict[str, int] = {}

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """One unit vector per text."""
        sums = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            _, buckets = self._tokens(text)
            if len(buckets):
                sums[row] = self._words[buckets].sum(axis=0)
        return self._unit_with_noise(sums)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors:
        """Text vectors and, per text, one vector per span: the words that start inside it."""
        sums = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_sums: list[np.ndarray] = []
        for row, (text, text_spans) in enumerate(zip(texts, spans, strict=True)):
            starts, buckets = self._tokens(text)
            running = np.zeros((len(buckets) + 1, self.dimension), dtype=np.float32)
            np.cumsum(self._words[buckets], axis=0, out=running[1:])
            sums[row] = running[-1]
            bounds = np.asarray(text_spans, dtype=np.int64).reshape(-1, 2)
            first = np.searchsorted(starts, bounds[:, 0])
            past = np.searchsorted(starts, bounds[:, 1])
            span_sums.append(running[past] - running[first])
        counts = [len(s) for s in span_sums]
        flat = np.concatenate(span_sums) if span_sums else np.zeros((0, self.dimension), dtype=np.float32)
        per_text = np.split(self._unit_with_noise(flat), np.cumsum(counts)[:-1]) if counts else []
        return SpanVectors(texts=self._unit_with_noise(sums), spans=per_text,
                           found=[np.ones(count, dtype=bool) for count in counts])

    def _tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Start offsets of the words of `text` and their buckets."""
        starts: list[int] = []
        buckets: list[int] = []
        for match in _WORD.finditer(text.lower()):
            word = match.group()
            bucket = self._buckets.get(word)
            if bucket is None:
                bucket = self._buckets[word] = zlib.crc32(word.encode()) & (_BUCKETS - 1)
            starts.append(match.start())
            buckets.append(bucket)
        return np.asarray(starts, dtype=np.int64), np.asarray(buckets, dtype=np.int64)

    def _unit_with_noise(self, rows: np.ndarray) -> np.ndarray:
        """Each row normalised, plus a random vector of length `_NOISE`, normalised again (empty rows: noise)."""
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        unit = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
        noise = self._noise.standard_normal(rows.shape, dtype=np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        unit += _NOISE * noise
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        return unit.astype(np.float32, copy=False)
