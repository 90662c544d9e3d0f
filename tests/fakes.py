"""A keyword encoder for exact arithmetic in tests (as sentence-transformers tests its IR evaluator):
one dimension per keyword, so every similarity a test expects can be worked out by hand."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.embedding import ResolvedModel, Span, SpanVectors

_WORD = re.compile(r"[a-z]+")


class KeywordEmbedder:
    """Embeds a text as the unit-length vector of its keyword counts (zero when it has none)."""

    def __init__(self, keywords: Sequence[str]) -> None:
        self.keywords = list(keywords)
        self.dimension = len(self.keywords)
        self.model = ResolvedModel("test/keywords", Path("."), "0" * 64, "local")

    def vector(self, text: str) -> np.ndarray:
        """The keyword counts of `text`, normalised."""
        words = _WORD.findall(text.lower())
        counts = np.array([words.count(k) for k in self.keywords], dtype=np.float32)
        norm = float(np.linalg.norm(counts))
        return counts / norm if norm else counts

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """One vector per text."""
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors:
        """Each text's vector, and each span's as if it were a text of its own."""
        return SpanVectors(
            texts=self.embed(texts),
            spans=[self.embed([text[s:e] for s, e in text_spans]) for text, text_spans in zip(texts, spans)],
            found=[np.ones(len(text_spans), dtype=bool) for text_spans in spans],
        )
