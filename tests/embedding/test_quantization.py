"""The int8 export: which parts of the real model are quantised, and what that keeps of its vectors."""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from rag.embedding import OnnxQuestionEncoder, export_onnx, resolve_model
from rag.embedding.onnx_export import ONNX_FILES
from rag.embedding.quantization import calibration_texts, kept_in_fp32
from rag.settings import EmbedBackend, Settings
from rag.settings.choices import INT8_CALIBRATION

TEXTS = [
    "What did the spokesperson say about telecom opening-up?",
    "Zhu Bing: The total revenue reached 103.96 billion yuan, up 12 percent year on year.",
    "How many exhibitors are taking part?",
    "Okay.",
    "Um, yeah, I think the battery is fine, but the buttons are too small and people kept pressing the wrong one "
    "when they tried the prototype in the usability lab last week, so we need to redesign the layout.",
]


@pytest.fixture(scope="module")
def export_dir(settings: Settings):  # noqa: ANN201
    return export_onnx(resolve_model(settings.embed.model), settings.embed.model_cache_dir)


def test_the_int8_precision_names_the_calibration_texts_in_force() -> None:
    """Editing the texts changes the int8 model: its id must change with them, so int8 indexes
    and exports made with the old ranges are made again."""
    texts = resources.files("rag.embedding").joinpath("calibration.txt").read_bytes()
    assert INT8_CALIBRATION == hashlib.sha256(texts).hexdigest()[:12]
    assert EmbedBackend.ONNX_INT8.precision == f"int8-static-w7-{INT8_CALIBRATION}"


def test_calibration_covers_question_and_passage_lengths() -> None:
    texts = calibration_texts()
    words = sorted(len(text.split()) for text in texts)
    assert len(texts) >= 80 and not any(text.startswith("#") for text in texts)
    assert words[0] <= 3 and words[-1] >= 150, (words[0], words[-1])


def test_only_the_down_projections_and_attention_products_stay_fp32(export_dir) -> None:  # noqa: ANN001
    graph = onnx.load(str(export_dir / ONNX_FILES[EmbedBackend.ONNX])).graph
    kept = set(kept_in_fp32(graph))
    weights = {init.name: tuple(init.dims) for init in graph.initializer}
    products = [node for node in graph.node if node.op_type == "MatMul"]
    by_weight = {node.name: next((weights[i] for i in node.input if i in weights), None) for node in products}
    # all-MiniLM-L6-v2: per layer Q, K, V, attention output (384x384) and the feed-forward input
    # (384x1536) quantised; the feed-forward output (1536x384) and the two attention products kept.
    assert sorted(w for name, w in by_weight.items() if name not in kept) == [(384, 384)] * 24 + [(384, 1536)] * 6
    assert sorted(str(by_weight[name]) for name in kept if name in by_weight) == ["(1536, 384)"] * 6 + ["None"] * 12
    quantised = onnx.load(str(export_dir / ONNX_FILES[EmbedBackend.ONNX_INT8])).graph
    assert sum(node.op_type == "MatMulInteger" or node.op_type == "QLinearMatMul" for node in quantised.node) == 30


def test_int8_weights_leave_room_for_cpus_without_vnni(export_dir) -> None:  # noqa: ANN001
    """Every int8 weight within [-64, 64]: a uint8 activation times a weight, two at a time, stays
    within the 16 bits AVX2's VPMADDUBSW adds them into (255 x 64 x 2 = 32,640), so CPUs without
    VNNI compute what VNNI ones do instead of saturating."""
    graph = onnx.load(str(export_dir / ONNX_FILES[EmbedBackend.ONNX_INT8])).graph
    weights = [numpy_helper.to_array(init) for init in graph.initializer if init.data_type == onnx.TensorProto.INT8]
    assert len(weights) == 60  # the 30 quantised matrix products' weights and their zero points
    assert min(int(w.min()) for w in weights) >= -64 and max(int(w.max()) for w in weights) <= 64


def test_int8_vectors_stay_close_to_fp32_and_do_not_depend_on_the_batch(settings: Settings, export_dir) -> None:  # noqa: ANN001
    model = resolve_model(settings.embed.model)
    fp32 = OnnxQuestionEncoder(model, export_dir, EmbedBackend.ONNX, 1).embed(TEXTS)
    encoder = OnnxQuestionEncoder(model, export_dir, EmbedBackend.ONNX_INT8, 1)
    alone = np.concatenate([encoder.embed([text]) for text in TEXTS])
    # Fixed activation ranges: padding and neighbours in a batch change nothing.
    np.testing.assert_array_equal(encoder.embed(TEXTS), alone)
    np.testing.assert_array_equal(encoder.embed(TEXTS[::-1])[::-1], alone)
    cosines = (alone * fp32).sum(axis=1)
    # A one-word text drifts most ("Okay." at 0.97); anything longer stays at 0.985 or more.
    assert cosines.min() >= 0.95 and np.delete(cosines, TEXTS.index("Okay.")).min() >= 0.985, cosines
