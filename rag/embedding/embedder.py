"""The embedder: sentence-transformers on ONNX Runtime (or torch), batched, normalised, threads set."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.embedding.models import ResolvedModel, resolve_model
from rag.embedding.onnx_encoder import OnnxQuestionEncoder
from rag.embedding.onnx_export import ONNX_FILES, export_onnx, session_options
from rag.embedding.pooling import Span, SpanVectors, mean_pooled, pool_spans
from rag.embedding.threads import with_query_threads
from rag.errors import ModelError
from rag.settings import EmbedBackend, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    model: ResolvedModel
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors: ...


class QuestionEncoder(Protocol):
    """What answering needs: unit vectors of a few short texts."""

    model: ResolvedModel
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def load_embedder(settings: Settings, model: ResolvedModel | None = None) -> SentenceTransformerEmbedder:
    """The embedder that builds indexes, on the configured backend with `settings.embed.threads`."""
    return SentenceTransformerEmbedder(
        model or resolve_model(settings.embed.model), settings.embed.threads, settings.embed.backend,
        settings.embed.model_cache_dir,
    )


def load_question_encoder(settings: Settings, model: ResolvedModel | None = None) -> QuestionEncoder:
    """The encoder of questions, with `settings.embed.query_threads` (chosen for the machine when
    unset, `rag.embedding.threads`): on the ONNX backends, ONNX Runtime and `tokenizers` alone (the
    export is made first if missing); on torch, sentence-transformers."""
    model = model or resolve_model(settings.embed.model)
    if settings.embed.query_threads is None or settings.embed.query_spinning is None:
        settings, _ = with_query_threads(settings, model)
    embed = settings.embed
    assert embed.query_threads is not None and embed.query_spinning is not None
    if embed.backend is EmbedBackend.TORCH:
        return SentenceTransformerEmbedder(model, embed.query_threads, embed.backend, embed.model_cache_dir)
    export = export_onnx(model, embed.model_cache_dir)
    return OnnxQuestionEncoder(model, export, embed.backend, embed.query_threads, spinning=embed.query_spinning)


class LazyEmbedder:
    """The build embedder, loaded on first use: a rebuild whose vectors are all cached, or a
    server that is never written to, never imports torch or sentence-transformers."""

    def __init__(self, settings: Settings, model: ResolvedModel) -> None:
        self.model = model
        self._settings = settings
        self._loaded: SentenceTransformerEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded yet."""
        return self._loaded is not None

    def _embedder(self) -> SentenceTransformerEmbedder:
        with self._lock:
            if self._loaded is None:
                log.info("loading the build embedder (first document to embed)")
                self._loaded = load_embedder(self._settings, self.model)
            return self._loaded

    @property
    def dimension(self) -> int:
        """Width of the vectors (loads the model)."""
        return self._embedder().dimension

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """As `SentenceTransformerEmbedder.embed`."""
        return self._embedder().embed(texts, batch_size=batch_size, progress=progress)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors:
        """As `SentenceTransformerEmbedder.embed_with_spans`."""
        return self._embedder().embed_with_spans(texts, spans, batch_size=batch_size, progress=progress)


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
        self._span_tokenizer = _span_tokenizer(self._model.tokenizer, self.max_seq_length)
        self._pools_mean = _pools_mean(self._model)

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

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
                batch = self._span_tokenizer.encode_batch([texts[i] for i in positions])
                features = {name: torch.from_numpy(_column(batch, name)) for name in ("input_ids", "attention_mask",
                                                                                    "token_type_ids")}
                attention_mask = _column(batch, "attention_mask")
                if self._pools_mean:
                    # The encoder alone, pooled here by the function questions are pooled by: on a
                    # padded batch of 16 x 256 tokens sentence-transformers' torch Pooling took 19-37 ms,
                    # numpy's sum 0.25 ms (over a whole build the difference is within the noise).
                    tokens = self._model[0].forward(features)["token_embeddings"].float().numpy()
                    vectors[positions] = mean_pooled(tokens, attention_mask)
                else:
                    output = self._model.forward(features)
                    vectors[positions] = output["sentence_embedding"].float().numpy()
                    tokens = output["token_embeddings"].float().numpy()
                real = (attention_mask > 0) & (_column(batch, "special_tokens_mask") == 0)
                offsets = np.asarray([e.offsets for e in batch], dtype=np.int64)
                for row, position in enumerate(positions):
                    span_vectors[position], found[position] = pool_spans(
                        tokens[row], offsets[row], real[row], spans[position]
                    )
        return SpanVectors(vectors, span_vectors, found)


def _pools_mean(model: SentenceTransformer) -> bool:
    """Whether `model` is an encoder, a mean over its tokens and unit length (all-MiniLM-L6-v2 and
    most sentence-transformers models): what `mean_pooled` computes."""
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    modules = list(model)
    return (
        len(modules) >= 3 and isinstance(modules[0], Transformer) and isinstance(modules[1], Pooling)
        and modules[1].pooling_mode == "mean" and modules[1].include_prompt
        and all(isinstance(module, Normalize) for module in modules[2:])
    )


_COLUMNS = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids",
            "special_tokens_mask": "special_tokens_mask"}


def _column(batch: list[Any], name: str) -> np.ndarray:
    """One field of a padded batch of `tokenizers` encodings as an int64 matrix."""
    return np.asarray([getattr(e, _COLUMNS[name]) for e in batch], dtype=np.int64)


def _span_tokenizer(tokenizer: Any, max_length: int) -> Any:
    """A private copy of the model's fast tokenizer, truncating to `max_length` and padding to the
    longest of a batch, as `encode` asks of it.

    Calling `tokenizers` directly skips transformers' per-token Python conversion of offsets and
    masks (5% of an index build); a copy, because transformers resets the shared one's
    truncation and padding on every call.
    """
    from tokenizers import Tokenizer

    fast = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    fast.enable_truncation(max_length=max_length)
    fast.enable_padding(pad_id=int(tokenizer.pad_token_id or 0), pad_token=str(tokenizer.pad_token or "[PAD]"))
    return fast


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
    options = session_options(threads)
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
