"""The embedding runtimes (torch, ONNX, ONNX int8) on the real model, and the question cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.config import EmbedBackend, Settings
from rag.embedding import QuestionVectors, SentenceTransformerEmbedder, export_onnx, load_embedder, resolve_model
from rag.errors import ConfigError

TEXTS = [
    "What did the spokesperson say about telecom opening-up?",
    "Zhu Bing: The total revenue reached 103.96 billion yuan, up 12 percent year on year.",
    "Okay.",
]


@pytest.fixture(scope="module")
def torch_vectors(settings: Settings) -> np.ndarray:
    return load_embedder(settings.with_overrides(embed_backend=EmbedBackend.TORCH)).embed(TEXTS)


# int8 drifts most on very short texts ("Okay." at 0.96).
@pytest.mark.parametrize(("backend", "min_cosine"), [(EmbedBackend.ONNX, 0.99999), (EmbedBackend.ONNX_INT8, 0.95)])
def test_onnx_backends_give_torchs_vectors(
    settings: Settings, torch_vectors: np.ndarray, backend: EmbedBackend, min_cosine: float
) -> None:
    vectors = load_embedder(settings.with_overrides(embed_backend=backend)).embed(TEXTS)
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() >= min_cosine, cosines


def test_export_is_made_once_and_remade_when_damaged(settings: Settings, tmp_path: Path) -> None:
    model = resolve_model(settings.model)
    folder = export_onnx(model, tmp_path)
    stamp = folder / "rag-export.json"
    made = stamp.stat().st_mtime_ns
    assert export_onnx(model, tmp_path) == folder and stamp.stat().st_mtime_ns == made

    onnx_file = folder / "onnx" / "model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes()[:1000])  # a truncated export, as a crash or full disk leaves
    assert export_onnx(model, tmp_path) == folder
    assert json.loads(stamp.read_text())["weights_sha256"] == model.weights_sha256
    embedder = SentenceTransformerEmbedder(model, 1, EmbedBackend.ONNX, tmp_path)
    assert embedder.embed(["hello"]).shape == (1, embedder.dimension)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "scratch folders left behind"


def test_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="onnx-int8"):
        Settings.from_env({"RAG_EMBED_BACKEND": "tensorrt"})


def test_question_cache_returns_the_models_vector_and_evicts_the_oldest(settings: Settings) -> None:
    embedder = load_embedder(settings)
    questions = QuestionVectors(embedder, capacity=2)
    first = questions.vector(TEXTS[0])
    np.testing.assert_array_equal(first, embedder.embed([TEXTS[0]])[0])
    assert questions.vector(TEXTS[0]) is first
    with pytest.raises(ValueError):
        first[0] = 0.0  # shared between requests, so nobody may change it
    questions.vector(TEXTS[1])
    questions.vector(TEXTS[2])  # capacity 2: the least recently used (TEXTS[0]) goes
    again = questions.vector(TEXTS[0])
    assert again is not first
    np.testing.assert_array_equal(again, first)


def test_question_cache_off_embeds_every_time(settings: Settings) -> None:
    questions = QuestionVectors(load_embedder(settings), capacity=0)
    assert questions.vector(TEXTS[0]) is not questions.vector(TEXTS[0])
