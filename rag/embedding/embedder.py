"""The embedder: sentence-transformers on ONNX Runtime (or torch), batched, normalised, threads set."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.embedding.models import ResolvedModel, resolve_model
from rag.embedding.onnx_export import ONNX_FILES, disable_onnxruntime_telemetry, export_onnx
from rag.embedding.pooling import Span, SpanVectors, pool_spans
from rag.errors import ModelError
from rag.settings import EmbedBackend, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Up to this many texts go straight to the ONNX session (questions, micro-batches); index
# builds keep `encode`, whose length sorting saves padding over thousands of passages.
_DIRECT_TEXTS = 32


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    model: ResolvedModel
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors: ...


def load_embedder(
    settings: Settings, model: ResolvedModel | None = None, *, for_queries: bool = False
) -> SentenceTransformerEmbedder:
    """The embedder `settings` ask for, on the configured backend: with `settings.embed.threads` for
    index builds (large batches), `settings.embed.query_threads` for answering (one question at a time)."""
    return SentenceTransformerEmbedder(
        model or resolve_model(settings.embed.model),
        settings.embed.query_threads if for_queries else settings.embed.threads,
        settings.embed.backend,
        settings.embed.model_cache_dir,
    )


class SentenceTransformerEmbedder:
    """The real embedder. Loading is explicit (constructing it loads the model once)."""

    def __init__(
        self,
        model: ResolvedModel,
        threads: int,
        backend: EmbedBackend = EmbedBackend.TORCH,
        cache_dir: Path | None = None,
    ) -> None:
        if model.source != "hub":
            # Everything is on disk; this stops any library from trying the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            self._model = load_sentence_transformer(model, threads, backend, cache_dir)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"cannot load model from {model.path} ({backend}): {exc}") from exc
        self.model = model
        self.backend = backend
        # sentence-transformers 6 renamed the method; 5.x only has the old name.
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or getattr(
            self._model, "get_sentence_embedding_dimension"
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelError(f"model {model.name} does not report an embedding dimension")
        self.dimension = int(dimension)
        self.max_seq_length = int(self._model.max_seq_length)
        self._session = _mean_pooled_onnx_session(self._model)

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._session is not None and len(texts) <= _DIRECT_TEXTS:
            return self._embed_direct(texts)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _embed_direct(self, texts: Sequence[str]) -> np.ndarray:
        """The ONNX session called straight, for the query path's few short texts.

        `encode` spends about 0.5 ms per call around the model (sorting, torch pooling and
        normalisation, output conversion), a tenth of a question's cost; this computes the
        same mean pooling and normalisation in numpy (a test holds the two to 1e-6).
        """
        features = self._model.tokenizer(
            list(texts), padding=True, truncation="longest_first", max_length=self.max_seq_length, return_tensors="np"
        )
        inputs = {name: features[name].astype(np.int64, copy=False) for name in _ONNX_INPUTS if name in features}
        (tokens,) = self._session.run(["last_hidden_state"], inputs)
        mask = inputs["attention_mask"][:, :, None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(pooled, dtype=np.float32)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors:
        """Vectors of `texts` and of character `spans` inside each, from one forward pass.

        A span's vector pools the token embeddings the pass computes anyway, so a sentence is
        read in its passage's context at no extra model cost (a second pass over sentences
        took 55% of index builds). Batches run longest first, as `encode` does, so the text
        vectors are `encode`'s to float rounding.
        """
        import torch
        from tqdm.auto import tqdm

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        found: list[np.ndarray] = [np.zeros(0, dtype=bool)] * len(texts)
        batches = range(0, len(texts), batch_size)
        with torch.inference_mode():
            for first in tqdm(batches, desc="embedding", disable=not progress):
                positions = order[first : first + batch_size]
                features = self._model.tokenizer(
                    [texts[i] for i in positions], padding=True, truncation="longest_first",
                    max_length=self.max_seq_length, return_tensors="pt",
                    return_offsets_mapping=True, return_special_tokens_mask=True,
                )
                offsets = features.pop("offset_mapping").numpy()
                special = features.pop("special_tokens_mask").numpy().astype(bool)
                output = self._model.forward(dict(features))
                vectors[positions] = output["sentence_embedding"].float().numpy()
                tokens = output["token_embeddings"].float().numpy()
                real = features["attention_mask"].numpy().astype(bool) & ~special
                for row, position in enumerate(positions):
                    span_vectors[position], found[position] = pool_spans(
                        tokens[row], offsets[row], real[row], spans[position]
                    )
        return SpanVectors(vectors, span_vectors, found)



def _mean_pooled_onnx_session(model: SentenceTransformer) -> Any | None:
    """The ONNX Runtime session inside `model` when it is exactly transformer, mean pooling and
    normalisation (what `_embed_direct` reproduces); None otherwise (torch, other poolings)."""
    modules = list(model)
    if [type(m).__name__ for m in modules] != ["Transformer", "Pooling", "Normalize"]:
        return None
    if getattr(modules[1], "pooling_mode", None) != "mean" or not getattr(model.tokenizer, "is_fast", False):
        return None
    session = getattr(getattr(modules[0], "auto_model", None), "model", None)
    if session is None or not hasattr(session, "get_inputs"):
        return None
    names = {i.name for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if not names <= set(_ONNX_INPUTS) or "last_hidden_state" not in outputs:
        return None
    return session


def load_sentence_transformer(
    model: ResolvedModel, threads: int, backend: EmbedBackend, cache_dir: Path | None
) -> SentenceTransformer:
    """A bare `SentenceTransformer` for `model` on `backend`, its threads set (the ONNX backends
    load the export in `cache_dir`, made first if missing)."""
    from sentence_transformers import SentenceTransformer

    if backend is EmbedBackend.TORCH:
        import torch

        # Deliberate: torch defaults to all cores and fights FAISS for them.
        torch.set_num_threads(threads)
        return SentenceTransformer(str(model.path), device="cpu")
    if cache_dir is None:
        raise ModelError(f"the {backend} backend needs a cache folder for its export (RAG_MODEL_CACHE_DIR)")
    disable_onnxruntime_telemetry()
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # Deliberate, as for torch: ONNX Runtime's default is one thread per core for each session,
    # and the service's worker threads would oversubscribe the machine.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return SentenceTransformer(
        str(export_onnx(model, cache_dir)),
        device="cpu",
        backend="onnx",
        model_kwargs={
            "file_name": ONNX_FILES[backend],
            "provider": "CPUExecutionProvider",
            "session_options": options,
        },
    )
