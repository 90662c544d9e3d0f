"""The model's int8 export: static quantisation, with activation ranges fixed once at export.

Dynamic quantisation scales each call's activations by what is in that call, so a text's vector
depends on the texts batched with it (cosine down to 0.987 between a question embedded alone and
in a batch). Here the ranges come from a fixed set of texts shipped with the package, so the
vector of a text is the same alone, in any batch, in a build and in a live write.

Weights use 7 of their 8 bits (`reduce_range`). x86 CPUs without VNNI (AVX2, and AVX-512 before
Cascade Lake) multiply uint8 activations by int8 weights with VPMADDUBSW, which adds each pair of
products into 16 bits and saturates past 32,767: 255 x 127 x 2 can reach 64,770, and a model
quantised on one CPU answers wrongly on another (ONNX Runtime's quantisation guide; its issues
#5849 and #14642). With weights in [-64, 64] a pair stays within 32,640, so every CPU computes the
same integers as a VNNI one. Measured on 236 questions and the seed passages (AMD EPYC,
2026-12-03): cosine to fp32 0.9944 mean, 0.9899 least, against 0.9951 and 0.9903 with 8 bits;
the same speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

_TEXTS_FILE = "calibration.txt"
_LONG_TEXT_LINES = 8
"""Lines joined into one calibration text, so ranges also cover passage-length inputs."""
_CALIBRATION_WORDPIECES = 256


def calibration_texts() -> list[str]:
    """The texts that fix the activation ranges: each line of the shipped file alone (question
    length) and runs of consecutive lines joined (passage length)."""
    raw = resources.files("rag.embedding").joinpath(_TEXTS_FILE).read_text(encoding="utf-8")
    lines = [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]
    joined = [" ".join(lines[i : i + _LONG_TEXT_LINES]) for i in range(0, len(lines), _LONG_TEXT_LINES)]
    return lines + joined


def quantize_int8(fp32_model: Path, target: Path, tokenizer_file: Path) -> None:
    """Write `fp32_model` quantised to int8 (weights per channel in 7 bits, activations with fixed
    ranges) to `target`.

    Quantised: the embedding tables (lookups) and the matrix products with a weight operand,
    except those that project down (more inputs than outputs: a transformer's feed-forward
    output, whose inputs after GELU have outliers a fixed int8 range cannot hold; quantised, the
    vectors fall to cosine 0.94 of fp32's, kept in fp32 they stay at 0.995).
    """
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = target.with_name(target.stem + ".prepared.onnx")
    try:
        quant_pre_process(str(fp32_model), str(prepared), skip_symbolic_shape=True)
        graph = onnx.load(str(prepared)).graph
        quantize_static(
            str(prepared), str(target), _CalibrationReader(tokenizer_file, calibration_texts()),
            quant_format=QuantFormat.QOperator, op_types_to_quantize=["MatMul", "Gather"], per_channel=True,
            reduce_range=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=kept_in_fp32(graph),
        )
    finally:
        prepared.unlink(missing_ok=True)


def kept_in_fp32(graph: Any) -> list[str]:
    """Names of the graph's nodes left in fp32 among those quantisation would touch: lookups in
    anything but a weight table (shapes, indices), matrix products of two activations (attention
    scores) and those whose weight projects down."""
    shapes = {init.name: tuple(init.dims) for init in graph.initializer}
    kept = []
    for node in graph.node:
        if node.op_type == "Gather" and node.input[0] not in shapes:
            kept.append(node.name)
        elif node.op_type == "MatMul":
            weight = next((shapes[name] for name in node.input if name in shapes), None)
            if weight is None or len(weight) != 2 or weight[0] > weight[1]:
                kept.append(node.name)
    return kept


class _CalibrationReader:
    """Feeds the calibration texts to ONNX Runtime's calibrator one at a time, tokenised as the
    encoder tokenises (the `CalibrationDataReader` protocol)."""

    def __init__(self, tokenizer_file: Path, texts: list[str]) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=_CALIBRATION_WORDPIECES)
        self._tokenizer.no_padding()
        self._inputs = self._feeds(texts)

    def _feeds(self, texts: list[str]) -> Iterator[dict[str, Any]]:
        import numpy as np

        for text in texts:
            encoding = self._tokenizer.encode(text)
            yield {
                "input_ids": np.asarray([encoding.ids], dtype=np.int64),
                "attention_mask": np.asarray([encoding.attention_mask], dtype=np.int64),
                "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64),
            }

    def get_next(self) -> dict[str, Any] | None:
        """The next text's inputs, or None when all have been fed."""
        return next(self._inputs, None)
