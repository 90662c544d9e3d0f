"""The settings' choices (enums whose parse error lists the valid values) and their fixed constants."""

from __future__ import annotations

import enum

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_ANN_THRESHOLD = 20_000
"""Exact search over 20,000 passages takes ~3 ms per question (0.148 µs per passage, eval/BENCH.md
"Scale"); from there on an approximate index is faster at the required recall."""
DEFAULT_FAISS_THREADS = 1
DENSE_DEPTH = 100
"""Passages the service takes from the dense ranking (`RetrievalSettings.candidates`), and the
depth at which an approximate index's recall is calibrated."""
MIN_KEY_CHARS = 16
"""Shortest API key accepted."""


class RetrievalMode(enum.StrEnum):
    """Which rankings retrieval uses."""

    DENSE = "dense"
    LEXICAL = "lexical"
    HYBRID = "hybrid"


class Fusion(enum.StrEnum):
    """How the dense and lexical rankings are combined."""

    WEIGHTED = "weighted"
    """Each score scaled to [0, 1] between its candidate floor and its best, then mixed."""
    RRF = "rrf"
    """Reciprocal rank fusion (ranks only)."""


INT8_CALIBRATION = "a5ed921637ea"
"""The first 12 hex digits of the sha256 of `rag/embedding/calibration.txt`, whose texts fix the
int8 model's activation ranges. Part of the int8 precision, so indexes, document caches and
exports made with other ranges are made again (a test holds it to the file)."""


class EmbedBackend(enum.StrEnum):
    """Which runtime runs the embedding model."""

    TORCH = "torch"
    ONNX = "onnx"
    """ONNX Runtime on a local export of the same model: the same vectors (to 1e-7), faster."""
    ONNX_INT8 = "onnx-int8"
    """That export quantised to int8 with activation ranges fixed at export (static): faster
    still, vectors at cosine ~0.995 of fp32's, the same whatever a text is batched with."""

    @property
    def precision(self) -> str:
        """What the vectors are computed in: `fp32` (torch and ONNX give the same vectors) or
        `int8-static-w7-<calibration>` (7-bit weights: `rag.embedding.quantization`). An index and its
        document cache are only ever read with vectors of their own (an index of an earlier int8, the
        dynamic `int8` or the 8-bit-weight `int8-static-<calibration>`, is rebuilt)."""
        return f"int8-static-w7-{INT8_CALIBRATION}" if self is EmbedBackend.ONNX_INT8 else "fp32"


class LogFormat(enum.StrEnum):
    """How `rag serve` writes its log lines."""

    JSON = "json"
    """One JSON object per line (for log collectors)."""
    TEXT = "text"
    """Plain `time level logger [request id] message` lines (for people)."""
