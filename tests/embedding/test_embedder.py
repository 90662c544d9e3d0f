"""The embedding runtimes (torch, ONNX, ONNX int8) on the real model, and the question cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from rag.settings import EmbedBackend, Settings
from rag.embedding import (
    SentenceTransformerEmbedder,
    export_onnx,
    OnnxQuestionEncoder,
    load_embedder,
    load_question_encoder,
    resolve_model,
)
from rag.errors import ConfigError
from rag.service import QAService
from rag.embedding.batching import MicroBatcher, QuestionVectors
from rag.embedding.embedder import _pools_mean

TEXTS = [
    "What did the spokesperson say about telecom opening-up?",
    "Zhu Bing: The total revenue reached 103.96 billion yuan, up 12 percent year on year.",
    "Okay.",
]


@pytest.fixture(scope="module")
def torch_vectors(settings: Settings) -> np.ndarray:
    return load_embedder(settings.with_overrides(backend=EmbedBackend.TORCH)).embed(TEXTS)


# int8 drifts most on very short texts ("Okay." at 0.96).
@pytest.mark.parametrize(("backend", "min_cosine"), [(EmbedBackend.ONNX, 0.99999), (EmbedBackend.ONNX_INT8, 0.95)])
def test_onnx_backends_give_torchs_vectors(
    settings: Settings, torch_vectors: np.ndarray, backend: EmbedBackend, min_cosine: float
) -> None:
    vectors = load_embedder(settings.with_overrides(backend=backend)).embed(TEXTS)
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() >= min_cosine, cosines


def test_export_is_made_once_and_remade_when_damaged(settings: Settings, tmp_path: Path) -> None:
    model = resolve_model(settings.embed.model)
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
    questions = QuestionVectors(embedder, cache_size=2, max_batch=16)
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
    questions = QuestionVectors(load_embedder(settings), cache_size=0, max_batch=16)
    assert questions.vector(TEXTS[0]) is not questions.vector(TEXTS[0])


@pytest.mark.parametrize("lanes", [1, 2])
def test_micro_batcher_gives_each_concurrent_caller_its_own_vector(settings: Settings, lanes: int) -> None:
    embedder = load_question_encoder(settings)
    batch_sizes: list[int] = []
    in_flight = {"now": 0, "most": 0}
    lock = threading.Lock()

    class Counting:
        """The real embedder, recording how many texts each model call got and how many ran at once."""

        model, dimension = embedder.model, embedder.dimension

        def embed(self, texts, *, batch_size=64, progress=False):  # noqa: ANN001, ANN202
            with lock:
                batch_sizes.append(len(texts))
                in_flight["now"] += 1
                in_flight["most"] = max(in_flight["most"], in_flight["now"])
            try:
                time.sleep(0.005)  # long enough for the other callers to queue up
                return embedder.embed(texts, batch_size=batch_size)
            finally:
                with lock:
                    in_flight["now"] -= 1

    questions = [f"What did speaker {name} say about the budget?" for name in "ABCDEFGHIJKLMNOPQRSTUVWX"]
    expected = embedder.embed(questions)
    batcher = MicroBatcher(Counting(), max_batch=4, lanes=lanes)
    with ThreadPoolExecutor(max_workers=12) as pool:
        vectors = list(pool.map(batcher.embed, questions))
    for vector, want in zip(vectors, expected):
        np.testing.assert_allclose(vector, want, atol=1e-5)
    assert sum(batch_sizes) == len(questions) and max(batch_sizes) <= 4
    assert len(batch_sizes) < len(questions), "concurrent questions were never embedded together"
    assert in_flight["most"] == lanes, f"{in_flight['most']} model calls ran at once with {lanes} lane(s)"


def test_micro_batcher_reports_a_model_failure_to_every_caller_and_recovers(settings: Settings) -> None:
    embedder = load_question_encoder(settings)
    failing = {"on": True}

    class Flaky:
        model, dimension = embedder.model, embedder.dimension

        def embed(self, texts, *, batch_size=64, progress=False):  # noqa: ANN001, ANN202
            if failing["on"]:
                raise RuntimeError("model failed")
            return embedder.embed(texts, batch_size=batch_size)

    batcher = MicroBatcher(Flaky(), max_batch=8)
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda q: _outcome(batcher, q), [f"question {c}" for c in "abcdef"]))
    assert outcomes == ["model failed"] * 6
    failing["on"] = False
    assert batcher.embed("question g").shape == (embedder.dimension,)


def _outcome(batcher: MicroBatcher, question: str) -> str:
    try:
        batcher.embed(question)
    except RuntimeError as exc:
        return str(exc)
    return "ok"


def test_onnx_runtime_telemetry_stays_off(settings: Settings, tmp_path: Path) -> None:
    """ONNX Runtime's wheel would create ~/.cache/Microsoft/... and queue telemetry at import."""
    script = (
        "from rag.settings import Settings\n"
        "from rag.embedding import load_embedder\n"
        "print(load_embedder(Settings.from_env()).embed(['hello']).shape)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    env.update(HOME=str(tmp_path), RAG_MODEL_CACHE_DIR=str(settings.embed.model_cache_dir), RAG_EMBED_BACKEND="onnx")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "(1, 384)" in result.stdout
    assert not (tmp_path / ".cache" / "Microsoft").exists()


def test_one_pass_gives_encodes_vectors_and_pooled_span_vectors(settings: Settings) -> None:
    embedder = load_embedder(settings)
    long_text = "Title\nZhu Bing: " + " ".join(["The port handled more cargo this year."] * 60) + " It has 300 routes."
    texts = [TEXTS[1], long_text, "No spans here."]
    revenue = TEXTS[1].index("The total")
    spans = [[(revenue, len(TEXTS[1]))], [(17, 55), (len(long_text) - 19, len(long_text))], []]
    result = embedder.embed_with_spans(texts, spans, batch_size=2)
    np.testing.assert_allclose(result.texts, embedder.embed(texts), atol=1e-5)
    # The last sentence of the long text lies past the 256-wordpiece window: no tokens, no vector.
    assert [found.tolist() for found in result.found] == [[True], [True, False], []]
    span_vector = result.spans[0][0]
    assert abs(float(np.linalg.norm(span_vector)) - 1.0) < 1e-5
    # A span's pooled vector is about what the span says, in context: closer to the sentence alone
    # than to an unrelated sentence.
    alone, unrelated = embedder.embed([TEXTS[1][revenue:], "The weather in spring is mild and rainy."])
    assert float(span_vector @ alone) > float(span_vector @ unrelated) + 0.3


def test_a_build_pools_by_mean_itself_only_for_models_that_pool_by_mean(settings: Settings) -> None:
    """The build's pass pools tokens itself (numpy) where the model is an encoder, a mean and unit
    length; any other model is pooled by its own modules, and both give `encode`'s vectors."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    embedder = load_embedder(settings)
    encoder = embedder._model  # the real model the embedder loaded
    assert embedder._pools_mean
    cls_pooled = SentenceTransformer(modules=[encoder[0], Pooling(embedder.dimension, "cls"), Normalize()], device="cpu")
    unnormalised = SentenceTransformer(modules=[encoder[0], Pooling(embedder.dimension, "mean")], device="cpu")
    assert not _pools_mean(cls_pooled) and not _pools_mean(unnormalised)
    embedder._model, embedder._pools_mean = cls_pooled, _pools_mean(cls_pooled)
    result = embedder.embed_with_spans(TEXTS, [[(0, 10)]] * len(TEXTS), batch_size=2)
    np.testing.assert_allclose(result.texts, cls_pooled.encode(TEXTS, normalize_embeddings=True), atol=1e-5)
    assert float(result.texts[0] @ load_embedder(settings).embed(TEXTS[:1])[0]) < 0.99  # not the mean's vector


@pytest.mark.parametrize("backend", [EmbedBackend.ONNX, EmbedBackend.ONNX_INT8])
def test_questions_are_embedded_without_the_training_stack_to_the_same_vectors(
    settings: Settings, backend: EmbedBackend
) -> None:
    """ONNX Runtime and `tokenizers` alone give sentence-transformers' vectors on the same export:
    a question's vector is the one a build would give its text."""
    onnx = settings.with_overrides(backend=backend)
    encoder = load_question_encoder(onnx)
    assert isinstance(encoder, OnnxQuestionEncoder) and encoder.max_seq_length == 256
    long = " ".join(["The port handled more containers than ever before."] * 60)  # past the 256-token window
    texts = [*TEXTS, long]
    np.testing.assert_allclose(encoder.embed(texts), load_embedder(onnx).embed(texts), atol=1e-6)
    one_by_one = np.concatenate([encoder.embed([text]) for text in texts])
    np.testing.assert_allclose(one_by_one, encoder.embed(texts), atol=1e-6)


def test_the_answering_model_spins_only_when_told_and_gives_the_same_vectors(settings: Settings) -> None:
    vectors = {}
    for spinning in (False, True):
        encoder = load_question_encoder(settings.with_overrides(query_threads=2, query_spinning=spinning))
        options = encoder._session.get_session_options()  # type: ignore[attr-defined]
        # ONNX Runtime spins unless told not to: the entry is written only to turn it off.
        assert _config_entry(options, "session.intra_op.allow_spinning") == (None if spinning else "0")
        vectors[spinning] = encoder.embed(TEXTS)
    np.testing.assert_allclose(vectors[False], vectors[True], atol=1e-6)


def _config_entry(options: object, key: str) -> str | None:
    try:
        return options.get_session_config_entry(key)  # type: ignore[attr-defined]
    except RuntimeError:  # ONNX Runtime raises when the entry was never set
        return None


def test_a_serving_process_never_imports_the_training_stack(service: QAService, settings: Settings) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from rag.service import open_service\n"
        "from rag.settings import Settings\n"
        f"service = open_service(Settings.from_env(docs_dir=Path({str(settings.docs_dir)!r}), "
        f"index_dir=Path({str(settings.index_dir)!r})), build_if_needed=False)\n"
        "assert service.ask('How much foreign capital did the pilot FTZs use?').extracts\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'optimum', 'bm25s', 'scipy')\n"
        "             if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

@pytest.mark.parametrize("backend", [EmbedBackend.ONNX, EmbedBackend.ONNX_INT8])
def test_a_question_gets_the_same_vector_alone_or_in_a_batch(settings: Settings, backend: EmbedBackend) -> None:
    """Micro-batching must not change answers: a text's vector does not depend on the texts
    embedded with it (int8's ranges are fixed at export; dynamic quantisation would fail this)."""
    encoder = load_question_encoder(settings.with_overrides(backend=backend))
    alone = np.concatenate([encoder.embed([text]) for text in TEXTS])
    np.testing.assert_allclose(encoder.embed(TEXTS), alone, atol=1e-5)
